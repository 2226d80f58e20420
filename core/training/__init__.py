"""Training pipeline: benchmark, feature selection, tuning, threshold, evaluation, bundle export."""
