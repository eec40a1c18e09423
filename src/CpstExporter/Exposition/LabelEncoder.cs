using System.Text;

namespace CpstExporter.Exposition;

/// <summary>
/// Encodes <c>name="value",…</c> label lists once per series. Values are escaped as both formats require
/// (backslash, double quote, line feed), so no attribute value can break out of its label or start a new line.
/// </summary>
internal static class LabelEncoder
{
    public static byte[] Encode(string[] names, string[] values)
    {
        var text = new StringBuilder();
        for (int i = 0; i < names.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(names[i]).Append("=\"");
            AppendEscaped(text, values[i]);
            text.Append('"');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static void AppendEscaped(StringBuilder text, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '"': text.Append("\\\""); break;
                case '\n': text.Append(@"\n"); break;
                default: text.Append(c); break;
            }
        }
    }

    public static byte[] EncodeOne(string name, string value) => Encode([name], [value]);
}
