using System;
using System.Collections.Generic;
using System.Globalization;
using LossGen.Generator.Ir;

namespace LossGen.Generator.Emit;

/// <summary>
/// The kernel writer's scopes, each an object made where its code starts: a method's constants (<see cref="Piece"/>),
/// one row program (<see cref="Row"/>) and a place inside it (<see cref="Context"/>). Everything the writer needs to know
/// about where it is travels in these; the writer itself keeps no mode.
/// </summary>
internal sealed partial class KernelEmitter
{
    /// <summary>One method of the kernel: the constants and broadcast vectors made once before its loop.</summary>
    private sealed class Piece
    {
        public Piece(IndentedWriter scalars) => Scalars = scalars;

        public IndentedWriter Scalars { get; }

        /// <summary>Constants and hyper-parameter expressions, by node.</summary>
        public Dictionary<Node, string> Names { get; } = new();

        /// <summary>Constants broadcast to vectors, by node.</summary>
        public Dictionary<Node, string> Vectors { get; } = new();

        /// <summary>Constant vectors of unrolled lane rows (permutations, class indices), by helper and block.</summary>
        public Dictionary<string, string> BlockConstants { get; } = new();
    }

    /// <summary>
    /// The program for one row, or for one block of rows in lanes (<see cref="Lanes"/>): its statements, the row values
    /// and the values read at the target it has named.
    /// </summary>
    private sealed class Row
    {
        public Row(Piece piece, int indent, bool lanes, int unrolledClasses = 0)
        {
            Piece = piece;
            Writer = new IndentedWriter(indent);
            Lanes = lanes;
            Top = new Context(this, Place.Row, Writer);
            Scalar = new Context(this, Place.Row, Writer) { Lanes = false };
            if (unrolledClasses > 0)
            {
                var unrolled = new Context[unrolledClasses];
                for (int c = 0; c < unrolledClasses; c++)
                {
                    unrolled[c] = new Context(this, Place.Class, Writer) { ClassIndex = c.ToString(CultureInfo.InvariantCulture) };
                }

                Unrolled = unrolled;
            }
        }

        public Piece Piece { get; }

        public IndentedWriter Writer { get; }

        /// <summary>A block of positions, one per lane: every row and class value is a vector.</summary>
        public bool Lanes { get; }

        /// <summary>Row values (one per row, or one vector of rows in lanes), by node.</summary>
        public Dictionary<Node, string> Names { get; } = new();

        /// <summary>Values at the target class, by node.</summary>
        public Dictionary<Node, string> PickNames { get; } = new();

        /// <summary>Row values broadcast to vectors, by node.</summary>
        public Dictionary<Node, string> Vectors { get; } = new();

        /// <summary>The row's own place: row values and constants, no class.</summary>
        public Context Top { get; }

        /// <summary>As <see cref="Top"/>, but one position at a time even in lanes: the scalar a lane row broadcasts.</summary>
        public Context Scalar { get; }

        /// <summary>In a lane row with the class loop unrolled: each class's values, kept in registers across passes.</summary>
        public Context[]? Unrolled { get; }

        public Context At(Place place, IndentedWriter writer, IReadOnlyCollection<Node>? outputs = null, List<string>? slots = null) =>
            new(this, place, writer, outputs, slots);
    }

    /// <summary>A place in a row program where values are named: a class, a vector of classes, the target, a flat block.</summary>
    private sealed class Context
    {
        public Context(Row row, Place place, IndentedWriter writer, IReadOnlyCollection<Node>? outputs = null, List<string>? slots = null)
        {
            Row = row;
            Place = place;
            Writer = writer;
            Lanes = row.Lanes;
            Outputs = outputs ?? Array.Empty<Node>();
            Slots = slots ?? new List<string>();
        }

        public Row Row { get; }

        public Place Place { get; }

        public IndentedWriter Writer { get; }

        /// <summary>Whether values here are vectors of positions (the row's mode, unless this is its scalar place).</summary>
        public bool Lanes { get; init; }

        /// <summary>The class of a value here: the loop variable <c>c</c>, or a literal in an unrolled lane row.</summary>
        public string ClassIndex { get; init; } = "c";

        /// <summary>In a vector loop over classes: the index of the vector's first class (<c>c</c>, or <c>(c + Count)</c>).</summary>
        public string VectorIndex { get; init; } = "c";

        /// <summary>
        /// In the masked last step of a vector loop over classes: the mask of the classes left (loads and stores touch
        /// only those lanes); null in whole-vector steps.
        /// </summary>
        public string? TailMask { get; init; }

        /// <summary>In a flat block (<see cref="Place.Block"/>): which flat vector of the lane row it is.</summary>
        public int BlockIndex { get; init; } = -1;

        /// <summary>In a flat block: the values stored after every block is computed, each a local of its own.</summary>
        public IReadOnlyCollection<Node> Outputs { get; }

        /// <summary>In a flat block: the locals every block of the row shares (declared once), in order of first use.</summary>
        public List<string> Slots { get; }

        /// <summary>In a flat block: how many of this block's values took each slot stem.</summary>
        public Dictionary<string, int> SlotUses { get; } = new();

        public Dictionary<Node, string> Names { get; } = new();

        /// <summary>In a flat block: locals made once that are no node's value (the targets spread over its elements), by what they hold.</summary>
        public Dictionary<string, string> Made { get; } = new();
    }
}
