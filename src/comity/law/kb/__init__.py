"""The knowledge base: its files, schemas, strict loading and cache.

The engine's modules (`comity.law.engine`, `evaluate`, ...) decide; this
package only reads, checks and builds what they decide with. Importing it
stays cheap: PyYAML and jsonschema load only on a cache miss.
"""

from comity.law.kb.loader import DEFAULT_ROOT, KnowledgeBaseError, load_kb, validate_path

__all__ = ["DEFAULT_ROOT", "KnowledgeBaseError", "load_kb", "validate_path"]
