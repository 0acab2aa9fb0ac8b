"""Hosting attribution: DNS, IP to country/ASN/organisation, CDN, platforms, providers."""
