"""The capture benchmark: orderdesk over HTTP vs raw asyncpg and localstripe."""
