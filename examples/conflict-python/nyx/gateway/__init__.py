"""The only way to the language model; re-exports the blocking call."""

from .llm_gateway import llm_json

__all__ = ["llm_json"]
