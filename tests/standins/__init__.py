"""Local stand-ins for the outside services Tradedesk talks to, served for real on loopback."""
