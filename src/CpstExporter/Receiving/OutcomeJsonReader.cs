using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// Reads the outcome API's body, <c>{"outcomes":[{"trace_id":"&lt;32 hex&gt;","outcome":"success"},…]}</c>, one
/// outcome at a time straight from the received bytes, as <see cref="OtlpJsonReader"/> reads spans: no copy of the body,
/// no document, no string per outcome, so a request costs about its own bytes however many outcomes it holds. The
/// outcome is handed on as the UTF-8 text it was sent as (unescaped when it had escapes), for the conventions to spell.
/// <para>
/// <see cref="MoveNext"/> throws <see cref="FormatException"/> naming the entry (<c>outcomes[i]</c>) at the first
/// problem; reading a body to its end once therefore checks it whole, and a second reader over the same bytes then
/// yields the same outcomes without failing. Rules: the root is an object with <c>outcomes</c>, an array, once; each
/// entry is an object with <c>trace_id</c> (or <c>traceId</c>), 32 hex digits not all zero, and <c>outcome</c>, a
/// string of valid UTF-8 that is not blank; it may have <c>source</c> (who gave the verdict: 1 to
/// <see cref="OutcomeSourceWord.MaxLength"/> ASCII letters, digits, <c>_</c> or <c>-</c>; null or absent for the default
/// <c>api</c>) and <c>reason</c> (a string of valid UTF-8 or null, cut to <see cref="MaxReasonBytes"/> bytes on a
/// character boundary: the verdict matters more than the length of its comment). Other keys are skipped. A key given twice in one object, in either
/// spelling, is refused rather than one of the two values picked silently, as protobuf JSON parsers refuse a field set
/// twice: two verdicts for one entry are a client's bug, and parsers that differ on which one wins would disagree on
/// what was sent. Nesting is limited to 16 levels.
/// </para>
/// </summary>
internal ref struct OutcomeJsonReader
{
    private const string Shape = "expected {\"outcomes\":[{\"trace_id\":\"<32 hex digits>\",\"outcome\":\"success\"}]}";

    /// <summary>A trace id with every digit escaped (<c>\u0034</c>) is 6 bytes a digit.</summary>
    private const int MaxEscapedTraceId = 32 * 6;

    /// <summary>The most of a reason kept, in UTF-8 bytes; the rest is cut (docs/operations.md, "Outcome API: source and reason").</summary>
    public const int MaxReasonBytes = 256;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };

    private Utf8JsonReader _reader;
    private bool _inList;
    private bool _done;
    private int _index;
    private byte[]? _unescaped, _unescapedSource, _unescapedReason;

    public OutcomeJsonReader(ReadOnlySpan<byte> json)
    {
        _reader = new Utf8JsonReader(json, Options);
        _index = -1;
    }

    /// <summary>The trace id of the current outcome.</summary>
    public TraceId TraceId { get; private set; }

    /// <summary>The current outcome as UTF-8, valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Outcome { get; private set; }

    /// <summary>Who gave the current outcome, as sent (ASCII, checked); empty when the entry names none. Valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Source { get; private set; }

    /// <summary>Why, as UTF-8 cut to <see cref="MaxReasonBytes"/>; empty when the entry gives none. Valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Reason { get; private set; }

    /// <summary>Moves to the next outcome; false once the body was read to its end and found whole.</summary>
    public bool MoveNext()
    {
        try
        {
            if (!_inList)
            {
                if (_done) return false;
                FindList();
                _inList = true;
            }
            Next();
            if (_reader.TokenType != JsonTokenType.EndArray)
            {
                _index++;
                ReadEntry();
                return true;
            }
            _inList = false;
            _done = true;
            ReadToEnd();
            return false;
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
    }

    /// <summary>Gives back the buffers escaped values were unescaped into.</summary>
    public void Dispose()
    {
        if (_unescaped is not null) PooledBytes.Return(_unescaped);
        if (_unescapedSource is not null) PooledBytes.Return(_unescapedSource);
        if (_unescapedReason is not null) PooledBytes.Return(_unescapedReason);
        _unescaped = _unescapedSource = _unescapedReason = null;
    }

    private void FindList()
    {
        Next();
        if (_reader.TokenType != JsonTokenType.StartObject) throw new FormatException(Shape);
        while (NextProperty())
        {
            if (_reader.ValueTextEquals("outcomes"u8))
            {
                Next();
                if (_reader.TokenType != JsonTokenType.StartArray) throw new FormatException(Shape);
                return;
            }
            SkipValue();
        }
        throw new FormatException(Shape);
    }

    private void ReadToEnd()
    {
        while (NextProperty())
        {
            if (_reader.ValueTextEquals("outcomes"u8)) throw new FormatException("\"outcomes\" is given twice: send one list");
            SkipValue();
        }
        // The reader itself refuses a second value after the root; whitespace may follow it.
        if (_reader.Read()) throw new FormatException("unexpected data after the request object");
    }

    private void ReadEntry()
    {
        if (_reader.TokenType != JsonTokenType.StartObject) throw Entry(" must be an object");
        bool hasTraceId = false, hasOutcome = false, hasSource = false, hasReason = false;
        Source = default;
        Reason = default;
        while (NextProperty())
        {
            if (_reader.ValueTextEquals("trace_id"u8) || _reader.ValueTextEquals("traceId"u8))
            {
                if (hasTraceId) throw Entry(" gives the trace id twice (\"trace_id\" or \"traceId\"): send it once");
                hasTraceId = true;
                Next();
                if (!TryReadTraceId(out TraceId id)) throw TraceIdError();
                TraceId = id;
            }
            else if (_reader.ValueTextEquals("outcome"u8))
            {
                if (hasOutcome) throw Entry(" gives \"outcome\" twice: send it once");
                hasOutcome = true;
                Next();
                Outcome = ReadOutcome();
            }
            else if (_reader.ValueTextEquals("source"u8))
            {
                if (hasSource) throw Entry(" gives \"source\" twice: send it once");
                hasSource = true;
                Next();
                Source = ReadSource();
            }
            else if (_reader.ValueTextEquals("reason"u8))
            {
                if (hasReason) throw Entry(" gives \"reason\" twice: send it once");
                hasReason = true;
                Next();
                Reason = ReadReason();
            }
            else SkipValue();
        }
        if (!hasTraceId) throw TraceIdError();
        if (!hasOutcome) throw OutcomeError();
    }

    private bool TryReadTraceId(out TraceId id)
    {
        id = default;
        if (_reader.TokenType != JsonTokenType.String) return false;
        if (!_reader.ValueIsEscaped) return TraceId.TryParseHex(_reader.ValueSpan, out id) && !id.IsEmpty;
        if (_reader.ValueSpan.Length > MaxEscapedTraceId) return false;
        Span<byte> hex = stackalloc byte[MaxEscapedTraceId];
        try
        {
            return TraceId.TryParseHex(hex[.._reader.CopyString(hex)], out id) && !id.IsEmpty;
        }
        catch (InvalidOperationException)
        {
            return false; // an escape that is no character
        }
    }

    private ReadOnlySpan<byte> ReadOutcome()
    {
        if (_reader.TokenType != JsonTokenType.String) throw OutcomeError();
        ReadOnlySpan<byte> text = Unescaped(ref _unescaped);
        if (!Utf8.IsValid(text)) throw Entry(".outcome is not valid UTF-8");
        if (IsBlank(text)) throw OutcomeError();
        return text;
    }

    private ReadOnlySpan<byte> ReadSource()
    {
        if (_reader.TokenType == JsonTokenType.Null) return default;
        // A word of at most MaxLength characters is at most 6 bytes each when every one is escaped.
        if (_reader.TokenType != JsonTokenType.String || _reader.ValueSpan.Length > OutcomeSourceWord.MaxLength * 6) throw SourceError();
        ReadOnlySpan<byte> text = Unescaped(ref _unescapedSource);
        if (!OutcomeSourceWord.IsValid(text)) throw SourceError();
        return text;
    }

    private ReadOnlySpan<byte> ReadReason()
    {
        if (_reader.TokenType == JsonTokenType.Null) return default;
        if (_reader.TokenType != JsonTokenType.String) throw Entry(".reason must be a string");
        ReadOnlySpan<byte> text = Unescaped(ref _unescapedReason);
        if (!Utf8.IsValid(text)) throw Entry(".reason is not valid UTF-8");
        if (text.Length <= MaxReasonBytes) return text;
        int cut = MaxReasonBytes;
        while (cut > 0 && (text[cut] & 0xC0) == 0x80) cut--; // not inside a character: text[cut] is the first byte cut off
        return text[..cut];
    }

    /// <summary>The current string value, unescaped into <paramref name="buffer"/> (rented, kept for the next) when it has escapes.</summary>
    private readonly ReadOnlySpan<byte> Unescaped(scoped ref byte[]? buffer)
    {
        ReadOnlySpan<byte> text = _reader.ValueSpan;
        if (!_reader.ValueIsEscaped) return text;
        // Unescaped text is never longer than its escaped form.
        if (buffer is null || buffer.Length < text.Length)
        {
            if (buffer is not null) PooledBytes.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(text.Length);
        }
        try
        {
            return buffer.AsSpan(0, _reader.CopyString(buffer));
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\\ud800"): U+FFFD, as in OTLP/JSON (docs/operations.md, "Hostile input and faults").
            return buffer.AsSpan(0, JsonStringUnescaper.Unescape(text, buffer));
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            Rune.DecodeFromUtf8(utf8, out Rune rune, out int consumed);
            if (!Rune.IsWhiteSpace(rune)) return false;
            utf8 = utf8[consumed..];
        }
        return true;
    }

    private readonly FormatException Entry(string what) => new($"outcomes[{_index}]{what}");

    private readonly FormatException TraceIdError() => Entry(".trace_id must be 32 hex digits, not all zero");

    private readonly FormatException OutcomeError() => Entry(".outcome must be a non-empty string");

    private readonly FormatException SourceError() =>
        Entry($".source must be 1 to {OutcomeSourceWord.MaxLength} letters, digits, '_' or '-' (such as human or system), or left out for api");

    private void Next()
    {
        if (!_reader.Read()) throw new FormatException("invalid JSON: the body ends before the request does");
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private bool NextProperty()
    {
        Next();
        return _reader.TokenType == JsonTokenType.PropertyName;
    }

    private void SkipValue()
    {
        Next();
        _reader.Skip();
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }
}
