"""The rules of Tradedesk: entities, value objects, services, errors. Imports nothing above it."""
