"""The national staff's web pages: login, dashboard, communities and shared resources."""
