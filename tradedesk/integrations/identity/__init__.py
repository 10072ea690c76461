"""Identity adapters: JWT verification against a JWKS, the local dev issuer, reCAPTCHA."""
