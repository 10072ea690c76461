"""Thin GraphQL resolvers: read the context, call a domain service, return domain objects."""
