"""Blocking calls to an OpenAI-compatible chat API."""

import json

from openai import AsyncOpenAI

MODEL = "gpt-5-nano"

_client = AsyncOpenAI()


async def llm_json(prompt: str) -> dict:
    """Send a prompt and parse the model's reply as JSON; takes seconds."""
    response = await _client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        response_format={"type": "json_object"},
    )
    return json.loads(response.choices[0].message.content)
