using System;
using System.Text;

namespace LossGen.Generator.Emit;

/// <summary>Writes C# with indentation; <see cref="Block"/> opens a brace block that closes when disposed.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public IndentedWriter(int indent = 0) => _indent = indent;

    public int Indent => _indent;

    public bool IsEmpty => _builder.Length == 0;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }

        _builder.Append('\n');
        return this;
    }

    /// <summary>Appends text written by another writer (already indented).</summary>
    public IndentedWriter Raw(IndentedWriter other)
    {
        _builder.Append(other._builder);
        return this;
    }

    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this);
    }

    public void Open() => _indent++;

    public void Unindent() => _indent--;

    public void Close(string closing = "}")
    {
        _indent--;
        Line(closing);
    }

    public override string ToString() => _builder.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly IndentedWriter _writer;

        public Closer(IndentedWriter writer) => _writer = writer;

        public void Dispose() => _writer.Close();
    }
}
