"""Bundled, cited directories: platforms, hosting providers, CDN operators, registries."""

from comity.hosting.directory._strictyaml import DirectoryDataError
from comity.hosting.directory.platforms import Platform, load_platforms, platform_for_host
from comity.hosting.directory.providers import (
    CdnOperator,
    Provider,
    ProviderDirectory,
    Registry,
    load_providers,
    provider_directory,
)

__all__ = [
    "CdnOperator",
    "DirectoryDataError",
    "Platform",
    "Provider",
    "ProviderDirectory",
    "Registry",
    "load_platforms",
    "load_providers",
    "platform_for_host",
    "provider_directory",
]
