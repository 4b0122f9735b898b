"""SDMX REST publication: the catalogue's topics as SDMX dataflows with fixed structures
(:mod:`.flows`), their structure messages (:mod:`.structure`) and data queries by SDMX key
(:mod:`.query`). The routes are in :mod:`deo.publish.api.sdmx`."""
