"""capsim's version: one definition, read by the package, the build and the results' provenance.

Bumped when the model's numbers can change for the same scenario and seed, so that a
resumed batch never mixes chunks of two versions (the batch fingerprint includes it).
"""

__version__ = "0.2.0"
