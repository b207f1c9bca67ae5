"""Running the product in one container: environment settings (settings.py), the entrypoint that
checks them and supervises the gRPC service and the console (__main__.py), and the health check
the image runs through grpc.health.v1 (healthcheck.py)."""
