"""In-memory stand-ins for the domain's ports, for unit tests of rule-dense services: they
keep what was done to them so a test can read it back."""
