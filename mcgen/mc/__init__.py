"""The Monte Carlo: random streams, the signal kernel and its production stage, beam effects, the
driver that streams batches (:func:`mcgen.generate`), and the Standard-Model background."""
