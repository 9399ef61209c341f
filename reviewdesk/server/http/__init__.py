"""The server's HTTP plumbing: errors as problem documents (`problems`), the access log,
request ids, body limit and metrics (`observe`), and the route class every endpoint uses
(`routing`)."""
