"""The demo internet: loopback DNS and HTTP servers for reserved demo names."""
