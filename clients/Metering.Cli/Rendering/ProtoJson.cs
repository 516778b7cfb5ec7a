using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace Metering.Cli.Rendering;

/// <summary>
/// Writes messages in the proto3 JSON mapping with the .proto field names (<c>input_tokens</c>), default values included
/// and int64 as strings (as the mapping says, so no number loses precision), indented for reading.
/// </summary>
internal static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithPreserveProtoFieldNames(true));

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One message as compact JSON.</summary>
    public static string Format(IMessage message) => Formatter.Format(message);

    /// <summary>One message, indented.</summary>
    public static string FormatIndented(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            document.WriteTo(json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <c>{"&lt;property&gt;": [message, ...]}</c>.</summary>
    public static void WriteArray(TextWriter writer, string property, IEnumerable<IMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray(property);
            foreach (var message in messages)
            {
                using var document = JsonDocument.Parse(Formatter.Format(message));
                document.WriteTo(json);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        writer.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
