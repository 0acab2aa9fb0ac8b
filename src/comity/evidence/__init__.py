"""Evidence capture: bounded, SSRF-guarded fetching sealed into content-addressed WARC files."""

__all__: list[str] = []
