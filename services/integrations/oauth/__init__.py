"""OAuth2 connections: connecting, the token manager, and API calls made with the tokens (rate limits too)."""
