"""Who may call the server: bearer tokens and their roles (`tokens`), the dependencies that
check them on each endpoint (`auth`), and the per-token rate limit (`ratelimit`)."""
