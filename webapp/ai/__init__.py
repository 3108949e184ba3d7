"""AI writing: writers (OpenAI-compatible and offline), prompts, platform limits, scoring."""
