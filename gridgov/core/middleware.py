"""Middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class DefaultLanguageMiddleware:
    """Chinese by default, whatever the browser says; English only when chosen.

    Staff often use browsers set up in English on office machines, and the
    product's language is Chinese (zh-hans) first. Dropping Accept-Language
    leaves Django's LocaleMiddleware with the user's own choice (the language
    cookie set by /i18n/setlang/) or LANGUAGE_CODE. Must run before it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
