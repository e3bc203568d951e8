package io.dpstream.dp;

import ai.djl.ndarray.NDArray;

/**
 * A trainable array and its saved name ({@code "<layer index>.<name>"}, e.g. {@code 0.weight}).
 * The array is updated in place by the optimiser.
 */
record Parameter(String name, NDArray array) {}
