"""gridgov: 党建引领网格化治理平台 (party-building-led grid governance)."""

__version__ = "0.1.0"
