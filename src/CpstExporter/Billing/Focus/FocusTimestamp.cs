namespace CpstExporter.Billing.Focus;

/// <summary>
/// The UTC day of a FOCUS date/time (<c>ChargePeriodStart</c>). FOCUS writes ISO 8601 in UTC,
/// <c>2025-01-31T00:00:00Z</c>; what exports and the tools between them write is read too: a space for the <c>T</c>,
/// fractions of a second, an offset (<c>+01:00</c>, <c>+0100</c>, <c>+01</c>) or BigQuery's <c>&#160;UTC</c>, no
/// seconds, and no zone at all or no time at all, which FOCUS defines as UTC. Anything else is not a date.
/// </summary>
internal static class FocusTimestamp
{
    /// <summary>False when <paramref name="text"/> is not such a date/time.</summary>
    public static bool TryParseUtcDay(ReadOnlySpan<char> text, out DateOnly day)
    {
        day = default;
        if (text.Length < 10 || text[4] != '-' || text[7] != '-') return false;
        if (!Digits(text[..4], out int year) || !Digits(text.Slice(5, 2), out int month) || !Digits(text.Slice(8, 2), out int dayOfMonth)) return false;
        // Years 2 to 9998: an offset cannot carry the day past the calendar's ends.
        if (year is < 2 or > 9998 || month is < 1 or > 12 || dayOfMonth < 1 || dayOfMonth > DateTime.DaysInMonth(year, month)) return false;

        ReadOnlySpan<char> rest = text[10..];
        int minuteOfDay = 0;
        if (rest.Length > 0 && rest[0] is 'T' or 't' or ' ' && rest.Length > 1 && char.IsAsciiDigit(rest[1]))
        {
            if (rest.Length < 6 || rest[3] != ':' || !Digits(rest.Slice(1, 2), out int hour) || !Digits(rest.Slice(4, 2), out int minute)
                || hour > 23 || minute > 59)
                return false;
            minuteOfDay = hour * 60 + minute;
            rest = rest[6..];
            if (rest.Length > 0 && rest[0] == ':')
            {
                if (rest.Length < 3 || !Digits(rest.Slice(1, 2), out int second) || second > 59) return false;
                rest = rest[3..];
                if (rest.Length > 0 && rest[0] is '.' or ',')
                {
                    int digits = 1;
                    while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
                    if (digits == 1) return false;
                    rest = rest[digits..];
                }
            }
        }

        if (!TryParseZone(rest, out int offsetMinutes)) return false;
        int utcMinute = minuteOfDay - offsetMinutes;
        var date = new DateOnly(year, month, dayOfMonth);
        day = utcMinute < 0 ? date.AddDays(-1) : utcMinute >= 24 * 60 ? date.AddDays(1) : date;
        return true;
    }

    /// <summary>Minutes east of UTC: none, <c>Z</c> and <c> UTC</c> are 0.</summary>
    private static bool TryParseZone(ReadOnlySpan<char> zone, out int offsetMinutes)
    {
        offsetMinutes = 0;
        if (zone.IsEmpty || zone is "Z" or "z" || zone.Equals(" UTC", StringComparison.OrdinalIgnoreCase)) return true;
        if (zone[0] is not ('+' or '-')) return false;
        int sign = zone[0] == '-' ? -1 : 1;
        ReadOnlySpan<char> offset = zone[1..];
        if (offset.Length < 2 || !Digits(offset[..2], out int hours) || hours > 14) return false;
        offset = offset[2..];
        bool colon = offset.Length > 0 && offset[0] == ':';
        if (colon) offset = offset[1..];
        int minutes = 0;
        if ((colon || offset.Length != 0) && (offset.Length != 2 || !Digits(offset, out minutes) || minutes > 59)) return false;
        offsetMinutes = sign * (hours * 60 + minutes);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
