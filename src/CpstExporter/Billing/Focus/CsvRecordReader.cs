using System.Buffers;

namespace CpstExporter.Billing.Focus;

/// <summary>
/// Reads CSV (RFC 4180) a record at a time from a <see cref="TextReader"/>: fields separated by commas, a field in
/// double quotes may hold commas, line breaks and doubled quotes (<c>""</c> for one), lines end in CRLF or LF (a lone CR
/// too), the last line may have no line break. Blank lines are skipped. A quote inside an unquoted field is kept as it
/// is, as spreadsheets write it. Fields are unescaped into one reused buffer and read as spans, so reading a record
/// allocates nothing; the buffer grows to the longest record, which <c>maxFieldLength</c> and <see cref="MaxColumns"/>
/// bound.
/// </summary>
internal sealed class CsvRecordReader
{
    /// <summary>Most fields a record may have: FOCUS 1.2 has 57 columns, providers add a few dozen of their own.</summary>
    public const int MaxColumns = 256;

    private static readonly SearchValues<char> Specials = SearchValues.Create(",\"\r\n");

    private readonly TextReader _input;
    private readonly int _maxFieldLength;
    private readonly char[] _buffer;
    private int _position;
    private int _end;
    private bool _inputEnded;

    private char[] _record = new char[1024];
    private int _recordLength;
    private readonly int[] _starts = new int[MaxColumns];
    private readonly int[] _ends = new int[MaxColumns];
    private long _nextLine = 1;

    /// <param name="bufferChars">Characters read from the input at a time; small in tests, to cross every boundary.</param>
    public CsvRecordReader(TextReader input, int maxFieldLength, int bufferChars = 64 * 1024)
    {
        _input = input;
        _maxFieldLength = maxFieldLength;
        _buffer = new char[bufferChars];
    }

    /// <summary>Fields of the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>The line the current record starts on, from 1.</summary>
    public long Line { get; private set; }

    /// <summary>The field at <paramref name="index"/> (below <see cref="FieldCount"/>) of the current record, unescaped.</summary>
    public ReadOnlySpan<char> Field(int index) => _record.AsSpan(_starts[index], _ends[index] - _starts[index]);

    /// <summary>Moves to the next record; false at the end of the input.</summary>
    /// <exception cref="FocusFileException">A quoted field is not closed, or is followed by other text; a field or a record is too long.</exception>
    public bool Read()
    {
        while (true)
        {
            if (!EnsureData()) return false;
            char c = _buffer[_position];
            if (c is not ('\r' or '\n')) break;
            _position++;
            EndLine(c); // a blank line
        }
        Line = _nextLine;
        _recordLength = 0;
        FieldCount = 0;
        while (ReadField())
        {
        }
        return true;
    }

    /// <summary>Reads one field; true when a comma ended it, so another field follows.</summary>
    private bool ReadField()
    {
        if (FieldCount == MaxColumns) throw new FocusFileException($"line {Line} has more than {MaxColumns} fields");
        _starts[FieldCount] = _recordLength;
        bool more;
        if (EnsureData() && _buffer[_position] == '"')
        {
            _position++;
            more = ReadQuoted();
        }
        else
        {
            more = ReadUnquoted();
        }
        _ends[FieldCount] = _recordLength;
        FieldCount++;
        return more;
    }

    private bool ReadUnquoted()
    {
        while (EnsureData())
        {
            ReadOnlySpan<char> rest = _buffer.AsSpan(_position, _end - _position);
            int at = rest.IndexOfAny(Specials);
            if (at < 0)
            {
                Append(rest);
                _position = _end;
                continue;
            }
            char c = rest[at];
            if (c == '"')
            {
                Append(rest[..(at + 1)]);
                _position += at + 1;
                continue;
            }
            Append(rest[..at]);
            _position += at + 1;
            if (c == ',') return true;
            EndLine(c);
            return false;
        }
        return false;
    }

    private bool ReadQuoted()
    {
        long startLine = _nextLine;
        while (true)
        {
            if (!EnsureData()) throw new FocusFileException($"the file ends inside the quoted field that starts on line {startLine}");
            ReadOnlySpan<char> rest = _buffer.AsSpan(_position, _end - _position);
            int at = rest.IndexOf('"');
            if (at < 0)
            {
                _nextLine += rest.Count('\n');
                Append(rest);
                _position = _end;
                continue;
            }
            _nextLine += rest[..at].Count('\n');
            Append(rest[..at]);
            _position += at + 1;
            if (!EnsureData()) return false; // the closing quote ends the input
            char next = _buffer[_position++];
            if (next == '"')
            {
                Append("\"");
                continue;
            }
            if (next == ',') return true;
            if (next is '\r' or '\n')
            {
                EndLine(next);
                return false;
            }
            throw new FocusFileException($"line {_nextLine}: a quoted field is followed by '{FocusFileException.Shown([next])}' " +
                "instead of a comma or the end of the line (a quote inside a quoted field is written twice)");
        }
    }

    /// <summary>After a line break character: CRLF counts as one break.</summary>
    private void EndLine(char c)
    {
        _nextLine++;
        if (c == '\r' && EnsureData() && _buffer[_position] == '\n') _position++;
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        int fieldLength = _recordLength - _starts[FieldCount] + chars.Length;
        if (fieldLength > _maxFieldLength)
            throw new FocusFileException($"line {Line}, field {FieldCount + 1} is longer than {_maxFieldLength} characters (Cpst:Billing:Focus:MaxFieldLength)");
        if (_recordLength + chars.Length > _record.Length)
            Array.Resize(ref _record, Math.Max(_record.Length * 2, _recordLength + chars.Length));
        chars.CopyTo(_record.AsSpan(_recordLength));
        _recordLength += chars.Length;
    }

    private bool EnsureData()
    {
        if (_position < _end) return true;
        if (_inputEnded) return false;
        _end = _input.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        if (_end > 0) return true;
        _inputEnded = true;
        return false;
    }
}
