import v8 from 'node:v8';

/** What a process allocated on the V8 heap so far, and the collections that reclaimed it. */
export interface AllocationTotals {
  /** Bytes allocated on the V8 heap since the meter started (objects collected since included). */
  bytes: number;
  /** Young-generation collections (Scavenge; MinorMarkSweep on newer V8). */
  minorGcs: number;
  /** Full collections (MarkSweepCompact) and the rest. */
  majorGcs: number;
}

/**
 * Counts the bytes a process allocates on the V8 heap, cumulatively, from `v8.GCProfiler` (Node ≥ 18.15): every
 * collection reports the heap's used size before and after it, so the bytes allocated between two reads are the
 * growth of the used size between collections, summed. Unlike CPU time it does not depend on the machine's load:
 * the allocation per request of two stacks compares exactly, even on a busy machine.
 */
export class AllocationMeter {
  private profiler = new v8.GCProfiler();
  private lastUsed = v8.getHeapStatistics().used_heap_size;
  private readonly totals: AllocationTotals = { bytes: 0, minorGcs: 0, majorGcs: 0 };

  constructor() {
    this.profiler.start();
  }

  /** The totals so far (restarts the profiler to collect the collections since the last read). */
  read(): AllocationTotals {
    const { statistics } = this.profiler.stop() as {
      statistics: Array<{
        gcType: string;
        beforeGC: { heapStatistics: { usedHeapSize: number } };
        afterGC: { heapStatistics: { usedHeapSize: number } };
      }>;
    };
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
    for (const gc of statistics) {
      this.totals.bytes += gc.beforeGC.heapStatistics.usedHeapSize - this.lastUsed;
      this.lastUsed = gc.afterGC.heapStatistics.usedHeapSize;
      if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') this.totals.minorGcs++;
      else this.totals.majorGcs++;
    }
    const used = v8.getHeapStatistics().used_heap_size;
    this.totals.bytes += used - this.lastUsed;
    this.lastUsed = used;
    return { ...this.totals };
  }
}
