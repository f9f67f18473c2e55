"""The case library of issue 25: hand-made households in the delivered formats, each with the
alerts a careful county officer expects and the ones that must not be raised."""
