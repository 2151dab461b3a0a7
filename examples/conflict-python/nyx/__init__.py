"""The game backend's shared services: the model gateway, the cache and the task queue."""
