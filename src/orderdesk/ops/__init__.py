"""Running orderdesk: logging, health and metrics, fault injection, scenarios."""
