"""The engine's sentences in zh-hant: ``phrases.CATALOGUE``'s ids, translated (the same
{placeholders}; tool, chain, table and target names as the tools print them)."""

CATALOGUE: dict[str, str] = {
}
