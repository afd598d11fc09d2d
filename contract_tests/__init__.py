"""The propmock contract suite: pytest + Schemathesis, against the mock or a real base URL."""
