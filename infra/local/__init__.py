"""Local stack: moto server + an HTTP front that reads template.yaml and calls the real handlers."""
