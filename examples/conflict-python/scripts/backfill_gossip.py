"""Backfill gossip for old scenes; runs offline, so it may wait for the model."""

import asyncio
import sys

from nyx.gateway import llm_json


async def main(scene_hashes):
    for scene_hash in scene_hashes:
        print(await llm_json(f"Gossip for scene {scene_hash}"))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
