package dev.adjoint.job;

import java.io.Serializable;
import java.util.Iterator;

/**
 * How one partition's elements fold into one partial, run inside the partition's task: the only piece
 * a pass supplies to {@link BlockAggregation} besides its merge. {@code shared} is the value the driver
 * broadcast (W and b, a probe plan, …), read on the executor.
 *
 * @param <S> the broadcast value
 * @param <E> the RDD's elements (blocks of rows, or single examples for the row-at-a-time baseline)
 * @param <P> the partial
 */
@FunctionalInterface
public interface PartitionFold<S, E, P> extends Serializable {
  P fold(int partition, Iterator<E> elements, S shared) throws Exception;
}
