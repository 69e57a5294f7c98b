namespace PhysGrad.Symbolic

open System

/// <summary>
/// The structural nonzeros of a rows × columns matrix in compressed sparse row form (CSR): the entries
/// of row i are at positions RowPointers[i] … RowPointers[i+1] − 1, with their columns in
/// ColumnIndices, ascending within a row. A pattern is fixed once built; matrices of values
/// (one array of NonZeroCount numbers, in the same order) share it. An entry outside the pattern is
/// zero wherever the matrix is evaluated; an entry inside it may still be zero at a point.
/// </summary>
[<Sealed; AllowNullLiteral>]
type SparsityPattern(rows: int, columns: int, rowPointers: int[], columnIndices: int[]) =
    do
        if rows < 0 || columns < 0 then
            Fail.raiseWith ErrorKind.Shape (sprintf "A sparsity pattern needs a shape of at least 0 × 0, not %d × %d." rows columns)

        if rowPointers.Length <> rows + 1 || rowPointers.[0] <> 0 || rowPointers.[rows] <> columnIndices.Length then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf
                    "A CSR pattern of %d rows needs %d row pointers from 0 to the number of column indices (%d)."
                    rows
                    (rows + 1)
                    columnIndices.Length)

        for i in 0 .. rows - 1 do
            for k in rowPointers.[i] .. rowPointers.[i + 1] - 1 do
                let c = columnIndices.[k]

                if c < 0 || c >= columns || (k > rowPointers.[i] && columnIndices.[k - 1] >= c) then
                    Fail.raiseWith
                        ErrorKind.Shape
                        (sprintf "Row %d of the pattern has column %d out of order or outside 0 … %d." i c (columns - 1))

    /// The number of rows.
    member _.Rows = rows
    /// The number of columns.
    member _.Columns = columns
    /// Rows + 1 offsets into <see cref="ColumnIndices"/> (shared: do not modify).
    member _.RowPointers = rowPointers
    /// The column of each structural nonzero, row by row, ascending within a row (shared: do not modify).
    member _.ColumnIndices = columnIndices
    /// The number of structural nonzeros.
    member _.NonZeroCount = columnIndices.Length

    /// The position of entry (row, column) in the values array, or −1 when it is a structural zero.
    member _.IndexOf(row: int, column: int) =
        if row < 0 || row >= rows || column < 0 || column >= columns then
            -1
        else
            let k =
                Array.BinarySearch(columnIndices, rowPointers.[row], rowPointers.[row + 1] - rowPointers.[row], column)

            if k >= 0 then k else -1

    /// Whether two patterns have the same shape and the same nonzeros.
    member p.SameAs(q: SparsityPattern) =
        obj.ReferenceEquals(p, q)
        || (not (isNull q)
            && q.Rows = rows
            && q.Columns = columns
            && q.RowPointers.AsSpan().SequenceEqual(ReadOnlySpan rowPointers)
            && q.ColumnIndices.AsSpan().SequenceEqual(ReadOnlySpan columnIndices))

    /// Every entry of a rows × columns matrix, as a pattern (what a dense block would be).
    static member Full(rows: int, columns: int) =
        SparsityPattern(
            rows,
            columns,
            Array.init (rows + 1) (fun i -> i * columns),
            Array.init (rows * columns) (fun k -> if columns = 0 then 0 else k % columns)
        )

    override _.ToString() =
        sprintf "%d × %d, %d structural nonzeros" rows columns columnIndices.Length

/// <summary>
/// A named, shaped block of a program's outputs: outputs Offset … Offset + Length − 1 hold a
/// Rows × Columns matrix (a vector is n × 1, a scalar 1 × 1), dense row by row when Pattern is null,
/// else only the pattern's nonzeros, in CSR order.
/// </summary>
[<Sealed; AllowNullLiteral>]
type OutputBlock(name: string, rows: int, columns: int, offset: int, pattern: SparsityPattern) =
    do
        if not (isNull pattern) && (pattern.Rows <> rows || pattern.Columns <> columns) then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "Block '%s' is %d × %d but its pattern is %d × %d." name rows columns pattern.Rows pattern.Columns)

    /// The block's name (for example "value", "gradient", "jacobian", "hessian").
    member _.Name = name
    /// The number of rows.
    member _.Rows = rows
    /// The number of columns (1 for a vector).
    member _.Columns = columns
    /// The index of the block's first output.
    member _.Offset = offset
    /// The sparsity pattern, or null when the block is dense (row by row).
    member _.Pattern = pattern
    /// Whether only the structural nonzeros are stored.
    member _.IsSparse = not (isNull pattern)
    /// The number of outputs the block occupies.
    member _.Length = if isNull pattern then rows * columns else pattern.NonZeroCount

    override _.ToString() =
        sprintf "%s: %d × %d at %d%s" name rows columns offset (if isNull pattern then "" else sprintf " (%O)" pattern)
