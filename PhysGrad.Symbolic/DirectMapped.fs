namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// A fixed-size cache that forgets: 2^slotBits slots, each keeping the last key stored in it and its
/// value (direct-mapped; a later key over the same slot replaces the entry). The caller hashes the key
/// to 64 bits and asks `Slot` for its place, so that a key's hash is computed once per lookup and store.
/// One per thread and use (it is not synchronised): the floating folds of two constants already done
/// (`FloatingFoldMemo`, 4,096 slots) and the values made from one floating number (Trace.fs's
/// `FloatKeyed`, 64 slots) — a traced simulator repeats a few coefficients millions of times. Written by
/// hand because the base library has no bounded memo: a Dictionary would grow without limit or need
/// clearing, and MemoryCache locks and allocates per entry.
[<Sealed; AllowNullLiteral>]
type internal DirectMapped<'K, 'V when 'K: struct and 'K :> IEquatable<'K>>(slotBits: int) =
    let keys = Array.zeroCreate<'K> (1 <<< slotBits)
    let values = Array.zeroCreate<'V> (1 <<< slotBits)
    let filled = Array.zeroCreate<bool> (1 <<< slotBits)
    let shift = 64 - slotBits

    /// The slot of a key whose hash is `hash`: the top slotBits bits of hash · 2⁶⁴/φ (Fibonacci
    /// hashing, so that hashes alike in their low bits spread).
    member _.Slot(hash: uint64) : int = int ((hash * 11400714819323198485UL) >>> shift)

    /// The value kept for key in its slot, or ValueNone.
    member _.TryGet(slot: int, key: 'K) : 'V voption =
        // The default comparer of a struct key that is IEquatable is devirtualised by the JIT: no boxing.
        if filled.[slot] && EqualityComparer<'K>.Default.Equals(keys.[slot], key) then
            ValueSome values.[slot]
        else
            ValueNone

    /// Keeps value for key in its slot, replacing what was there.
    member _.Set(slot: int, key: 'K, value: 'V) =
        keys.[slot] <- key
        values.[slot] <- value
        filled.[slot] <- true
