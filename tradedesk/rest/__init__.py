"""The v1 REST compatibility shim: the documented routes over the same domain services."""
