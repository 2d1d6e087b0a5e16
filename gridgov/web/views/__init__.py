"""Web UI views, one module per concept; all read through ``visible_to`` and answer 404 outside."""
