"""The knowledge base: its files, schemas, strict loading and cache.

The engine's modules (`comity.law.engine`, `evaluate`, ...) decide; this
package only reads, checks and builds what they decide with. Importing it
stays cheap: PyYAML loads only on a cache miss, and jsonschema only to name the
errors of a file the compiled schema check (`_fastschema`) rejects.
"""

from comity.law.kb.loader import DEFAULT_ROOT, KnowledgeBaseError, load_kb, validate_path

__all__ = ["DEFAULT_ROOT", "KnowledgeBaseError", "load_kb", "validate_path"]
