extern alias LoadGen;
using System.Text;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Receiving.Otlp;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using LoadGen::CpstExporter.LoadGen.Bench;

namespace CpstExporter.Tests.Receiving;

public class OtlpProtobufReaderTests
{
    // ---------------------------------------------------------------- generators of requests, built with the generated classes

    private static Gen<byte[]> Bytes(int length) => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length);

    private static Gen<byte[]> Id(int validLength) => Gen.Frequency(
        (30, Bytes(validLength)),
        (2, Gen.Constant(new byte[validLength])),                                   // all zero
        (3, Gen.Elements(0, 1, validLength - 1, validLength + 1, 32).SelectMany(Bytes))); // wrong length

    private static readonly Gen<long> Int64 =
        Gen.Choose(int.MinValue, int.MaxValue).SelectMany(high => Gen.Choose(int.MinValue, int.MaxValue), (high, low) => (long)high << 32 | (uint)low);

    private static readonly Gen<long> SmallOrAnyInt64 = Gen.Frequency((3, Gen.Choose(-1000, 1000).Select(i => (long)i)), (2, Int64),
        (1, Gen.Elements(long.MinValue, long.MaxValue, 0L)));

    private static readonly Gen<double> Double = Gen.Frequency(
        (3, Int64.Select(BitConverter.Int64BitsToDouble)),   // any bit pattern: NaNs, infinities, subnormals, -0
        (3, Gen.Choose(-100000, 100000).Select(i => i / 100.0)),
        (1, Gen.Elements(0.0, -0.0, double.NaN, double.PositiveInfinity, double.Epsilon)));

    private static readonly string[] Pieces =
        ["a", "z", "0", " ", ".", "_", "-", "é", "ß", "模型", "😀", "\0", "\n", "\"", "\\", "gen_ai.request.model", "outcome", "service.name"];

    private static readonly Gen<string> Text = Gen.Sized(size => Gen.Choose(0, Math.Min(size, 12))
        .SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(string.Concat));

    private static Gen<AnyValue> Value(int depth) => Gen.Frequency(
        (4, Text.Select(s => new AnyValue { StringValue = s })),
        (2, Gen.Elements(true, false).Select(b => new AnyValue { BoolValue = b })),
        (3, SmallOrAnyInt64.Select(i => new AnyValue { IntValue = i })),
        (3, Double.Select(d => new AnyValue { DoubleValue = d })),
        (1, Gen.Choose(0, 8).SelectMany(Bytes).Select(b => new AnyValue { BytesValue = ByteString.CopyFrom(b) })),
        (1, depth == 0 ? Gen.Constant(new AnyValue()) : Gen.ListOf(Value(depth - 1), 3).Select(list =>
        {
            var array = new ArrayValue();
            array.Values.AddRange(list);
            return new AnyValue { ArrayValue = array };
        })),
        (1, depth == 0 ? Gen.Constant(new AnyValue()) : Gen.ListOf(KeyValueGen(depth - 1), 2).Select(list =>
        {
            var map = new KeyValueList();
            map.Values.AddRange(list);
            return new AnyValue { KvlistValue = map };
        })),
        (1, Gen.Constant(new AnyValue())));

    private static Gen<KeyValue> KeyValueGen(int depth) => Text.SelectMany(
        key => Gen.Frequency((12, Value(depth).Select(v => (AnyValue?)v)), (1, Gen.Constant<AnyValue?>(null))),
        (key, value) => value is null ? new KeyValue { Key = key } : new KeyValue { Key = key, Value = value });

    private static readonly Gen<KeyValue[]> Attributes = Gen.Sized(size => Gen.Choose(0, Math.Min(size, 8)))
        .SelectMany(n => Gen.ArrayOf(KeyValueGen(2), n));

    private static readonly Gen<Span> SpanGen =
        from traceId in Id(16)
        from spanId in Id(8)
        from parent in Gen.Frequency((3, Gen.Constant(Array.Empty<byte>())), (6, Bytes(8)), (1, Gen.Elements(4, 16).SelectMany(Bytes)))
        from status in Gen.Choose(-1, 3)
        from start in Int64
        from end in Int64
        from attributes in Attributes
        from eventAttributes in Attributes
        from name in Text
        select MakeSpan(traceId, spanId, parent, status, (ulong)start, (ulong)end, attributes, eventAttributes, name);

    private static Span MakeSpan(byte[] traceId, byte[] spanId, byte[] parent, int status, ulong start, ulong end,
        KeyValue[] attributes, KeyValue[] eventAttributes, string name)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            ParentSpanId = ByteString.CopyFrom(parent),
            Name = name,
            Kind = Span.Types.SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = end,
            TraceState = "vendor=1",
            Flags = 0x101,
            DroppedAttributesCount = 3,
        };
        span.Attributes.AddRange(attributes);
        if (status >= 0) span.Status = new Status { Code = (Status.Types.StatusCode)status, Message = "status message" };
        // Events and links carry attributes too; none of them may leak into the span's.
        var spanEvent = new Span.Types.Event { Name = "event", TimeUnixNano = 7 };
        spanEvent.Attributes.AddRange(eventAttributes);
        span.Events.Add(spanEvent);
        var link = new Span.Types.Link { TraceId = ByteString.CopyFrom(traceId), SpanId = ByteString.CopyFrom(spanId) };
        link.Attributes.AddRange(eventAttributes);
        span.Links.Add(link);
        return span;
    }

    private static readonly Gen<ResourceSpans> ResourceSpansGen =
        from hasResource in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
        from resourceAttributes in Attributes
        from scopes in Gen.ListOf(Gen.Sized(size => Gen.Choose(0, Math.Min(size, 5))).SelectMany(n => Gen.ArrayOf(SpanGen, n)), 2)
        select MakeResourceSpans(hasResource, resourceAttributes, scopes);

    private static ResourceSpans MakeResourceSpans(bool hasResource, KeyValue[] resourceAttributes, IEnumerable<Span[]> scopes)
    {
        var resourceSpans = new ResourceSpans { SchemaUrl = "https://opentelemetry.io/schemas/1.26.0" };
        if (hasResource)
        {
            resourceSpans.Resource = new Resource { DroppedAttributesCount = 1 };
            resourceSpans.Resource.Attributes.AddRange(resourceAttributes);
        }
        foreach (Span[] spans in scopes)
        {
            var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "scope", Version = "1.0" } };
            scope.Scope.Attributes.AddRange(resourceAttributes);
            scope.Spans.AddRange(spans);
            resourceSpans.ScopeSpans.Add(scope);
        }
        return resourceSpans;
    }

    private static readonly Gen<ExportTraceServiceRequest> RequestGen =
        Gen.Sized(size => Gen.Choose(0, Math.Min(size, 3))).SelectMany(n => Gen.ArrayOf(ResourceSpansGen, n)).Select(all =>
        {
            var request = new ExportTraceServiceRequest();
            request.ResourceSpans.AddRange(all);
            return request;
        });

    // ---------------------------------------------------------------- the reference reading of a request

    private static bool Valid(ByteString id, int length) => id.Length == length && id.Span.ContainsAnyExcept((byte)0);

    private static void AssertAttributes(SpanBatch batch, int start, int count, IList<KeyValue> expected)
    {
        Assert.Equal(expected.Count, count);
        for (int i = 0; i < expected.Count; i++)
        {
            AttributeRecord actual = batch.Attributes[start + i];
            KeyValue kv = expected[i];
            Assert.Equal(Encoding.UTF8.GetBytes(kv.Key), batch.KeyOf(actual).ToArray());
            AnyValue.ValueOneofCase valueCase = kv.Value?.ValueCase ?? AnyValue.ValueOneofCase.None;
            switch (valueCase)
            {
                case AnyValue.ValueOneofCase.None:
                    Assert.Equal(AttributeValueKind.Empty, actual.Kind);
                    break;
                case AnyValue.ValueOneofCase.StringValue:
                    Assert.Equal(AttributeValueKind.String, actual.Kind);
                    Assert.Equal(Encoding.UTF8.GetBytes(kv.Value!.StringValue), batch.StringOf(actual).ToArray());
                    break;
                case AnyValue.ValueOneofCase.BoolValue:
                    Assert.Equal(AttributeValueKind.Bool, actual.Kind);
                    Assert.Equal(kv.Value!.BoolValue ? 1 : 0, actual.Int);
                    break;
                case AnyValue.ValueOneofCase.IntValue:
                    Assert.Equal(AttributeValueKind.Int, actual.Kind);
                    Assert.Equal(kv.Value!.IntValue, actual.Int);
                    break;
                case AnyValue.ValueOneofCase.DoubleValue:
                    Assert.Equal(AttributeValueKind.Double, actual.Kind);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(kv.Value!.DoubleValue), BitConverter.DoubleToInt64Bits(actual.Double));
                    break;
                default:
                    Assert.Equal(AttributeValueKind.Other, actual.Kind);
                    break;
            }
        }
    }

    private static void AssertSameAsGeneratedClasses(ExportTraceServiceRequest request, byte[] payload, SpanBatch batch)
    {
        // The generated parser is the reference reading of the bytes.
        ExportTraceServiceRequest reference = ExportTraceServiceRequest.Parser.ParseFrom(payload);
        Assert.Equal(request, reference);

        Assert.Equal(reference.ResourceSpans.Count, batch.ResourceCount);
        int accepted = 0, badTrace = 0, badSpan = 0;
        for (int r = 0; r < reference.ResourceSpans.Count; r++)
        {
            ResourceSpans resourceSpans = reference.ResourceSpans[r];
            ResourceRecord resource = batch.Resources[r];
            AssertAttributes(batch, resource.AttributeStart, resource.AttributeCount, resourceSpans.Resource?.Attributes ?? []);

            foreach (Span span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
            {
                if (!Valid(span.TraceId, 16)) { badTrace++; continue; }
                if (!Valid(span.SpanId, 8) || span.ParentSpanId.Length is not (0 or 8)) { badSpan++; continue; }

                SpanRecord actual = batch.Spans[accepted++];
                Assert.Equal(TraceId.FromBytes(span.TraceId.Span), actual.TraceId);
                Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(span.SpanId.Span), actual.SpanId);
                Assert.Equal(span.ParentSpanId.Length == 0 ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(span.ParentSpanId.Span), actual.ParentSpanId);
                Assert.Equal(span.StartTimeUnixNano, actual.StartTimeUnixNano);
                Assert.Equal(span.EndTimeUnixNano, actual.EndTimeUnixNano);
                Assert.Equal((int)(span.Status?.Code ?? 0), actual.StatusCode);
                Assert.Equal(r, actual.ResourceIndex);
                AssertAttributes(batch, actual.AttributeStart, actual.AttributeCount, span.Attributes);
            }
        }
        Assert.Equal(accepted, batch.SpanCount);
        Assert.Equal(badTrace, batch.RejectedFor(RejectionReason.InvalidTraceId));
        Assert.Equal(badSpan, batch.RejectedFor(RejectionReason.InvalidSpanId));
        Assert.Equal(badTrace + badSpan, batch.RejectedSpans);
    }

    // ---------------------------------------------------------------- properties

    [Fact]
    public void Generators_CoverAcceptedAndRejectedSpansAndEveryValueKind()
    {
        ExportTraceServiceRequest[] sample = RequestGen.Sample(20, 200).ToArray();
        Span[] spans = sample.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).ToArray();
        var cases = spans.SelectMany(s => s.Attributes).Select(a => a.Value?.ValueCase ?? AnyValue.ValueOneofCase.None).ToHashSet();

        Assert.Contains(spans, s => Valid(s.TraceId, 16) && Valid(s.SpanId, 8) && s.ParentSpanId.Length == 0);
        Assert.Contains(spans, s => Valid(s.TraceId, 16) && Valid(s.SpanId, 8) && s.ParentSpanId.Length == 8);
        Assert.Contains(spans, s => !Valid(s.TraceId, 16));
        Assert.Contains(spans, s => Valid(s.TraceId, 16) && !Valid(s.SpanId, 8));
        Assert.Equal(Enum.GetValues<AnyValue.ValueOneofCase>().ToHashSet(), cases);
        Assert.Equal([0, 1, 2, 3], spans.Where(s => s.Status is not null).Select(s => (int)s.Status.Code).Distinct().Order());
    }

    [Fact]
    public void Read_RandomRequests_AgreesWithTheGeneratedClasses()
    {
        var batch = new SpanBatch(); // reused across cases, as the pool does
        Prop.ForAll(RequestGen.ToArbitrary(), request =>
        {
            byte[] payload = request.ToByteArray();
            batch.Clear();
            OtlpProtobufReader.Read(payload, batch);
            AssertSameAsGeneratedClasses(request, payload, batch);
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>Keys the random requests use often (single pieces), with codes, and one they never use.</summary>
    private static readonly AttributeKeySet SomeKeys = new(
        new[] { "outcome", "a", "gen_ai.request.model", "模型", "", "not.generated" }.Select((k, i) => (Encoding.UTF8.GetBytes(k), 10 + i)).ToArray());

    [Fact]
    public void Read_WithKeySets_KeepsExactlyTheNamedAttributesEachByItsCode()
    {
        var all = new SpanBatch();
        var kept = new SpanBatch(SpanBatch.DefaultMaxDecodedBytes, spanKeys: SomeKeys, resourceKeys: SomeKeys);
        Prop.ForAll(RequestGen.ToArbitrary(), request =>
        {
            byte[] payload = request.ToByteArray();
            all.Clear();
            kept.Clear();
            OtlpProtobufReader.Read(payload, all);
            OtlpProtobufReader.Read(payload, kept);
            // Described by their codes: the kept attributes, in order, each with its key's code and its value.
            Assert.Equal(Batches.Describe(Batches.Only(all, SomeKeys)), Batches.Describe(kept));
            Assert.All(kept.Attributes.ToArray(), attribute => Assert.Equal(0, attribute.KeyLength));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Read_UnnamedAttributeWithAMalformedValue_SkippedUnread()
    {
        // An attribute no convention reads is skipped whole, as events and links are: its value is not looked into.
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { Spans.Root(1) } } } });
        byte[] attribute = [0x4A, 7, 0x0A, 1, (byte)'x', 0x12, 2, 0x0A, 9]; // key "x", value: a string claiming 9 bytes, with none
        var batch = new SpanBatch(SpanBatch.DefaultMaxDecodedBytes, spanKeys: SomeKeys, resourceKeys: SomeKeys);
        OtlpProtobufReader.Read(WithSpanBytes(request, attribute), batch);
        Assert.Equal(1, batch.SpanCount);
        Assert.Equal(0, batch.AttributeCount);
        Assert.Throws<OtlpFormatException>(() => OtlpProtobufReader.Read(WithSpanBytes(request, attribute), new SpanBatch()));
    }

    /// <summary>The request with <paramref name="extra"/> appended to its one span's bytes (lengths fixed up by re-encoding).</summary>
    private static byte[] WithSpanBytes(ExportTraceServiceRequest request, byte[] extra)
    {
        byte[] span = [.. request.ResourceSpans[0].ScopeSpans[0].Spans[0].ToByteArray(), .. extra];
        byte[] scope = [0x12, .. Varint(span.Length), .. span];
        byte[] resource = [0x12, .. Varint(scope.Length), .. scope];
        return [0x0A, .. Varint(resource.Length), .. resource];
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private enum Mutation { Flip, Set, Truncate, Insert, Delete, Duplicate }

    private static readonly Gen<(Mutation Kind, int Position, int Length, byte Value)> MutationGen =
        from kind in Gen.Elements(Enum.GetValues<Mutation>())
        from position in Gen.Choose(0, int.MaxValue)
        from length in Gen.Choose(1, 12)
        from value in Gen.Choose(0, 255)
        select (kind, position, length, (byte)value);

    private static byte[] Mutate(byte[] payload, IEnumerable<(Mutation Kind, int Position, int Length, byte Value)> mutations)
    {
        var bytes = new List<byte>(payload);
        foreach (var (kind, position, length, value) in mutations)
        {
            if (bytes.Count == 0) bytes.Add(value);
            int at = position % bytes.Count;
            int n = Math.Min(length, bytes.Count - at);
            switch (kind)
            {
                case Mutation.Flip: bytes[at] ^= (byte)(1 << (value & 7)); break;
                case Mutation.Set: bytes[at] = value; break;
                case Mutation.Truncate: bytes.RemoveRange(at, bytes.Count - at); break;
                case Mutation.Insert: bytes.InsertRange(at, Enumerable.Repeat(value, length)); break;
                case Mutation.Delete: bytes.RemoveRange(at, n); break;
                case Mutation.Duplicate: bytes.InsertRange(at, bytes.GetRange(at, n)); break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void Read_MutatedPayloads_OnlyOtlpFormatExceptionOrSuccess()
    {
        var batch = new SpanBatch();
        Gen<(ExportTraceServiceRequest, (Mutation, int, int, byte)[])> cases =
            RequestGen.Where(r => r.CalculateSize() > 0).SelectMany(_ => Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(MutationGen, n)), (r, m) => (r, m));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] payload = Mutate(c.Item1.ToByteArray(), c.Item2);
            batch.Clear();
            try
            {
                OtlpProtobufReader.Read(payload, batch);
            }
            catch (OtlpFormatException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }));
    }

    [Fact]
    public void Read_RandomBytes_OnlyOtlpFormatExceptionOrSuccess()
    {
        var batch = new SpanBatch();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(Gen.Choose(0, 200).SelectMany(Bytes).ToArbitrary(), payload =>
        {
            batch.Clear();
            try
            {
                OtlpProtobufReader.Read(payload, batch);
            }
            catch (OtlpFormatException)
            {
            }
        }));
    }

    [Fact]
    public void Read_EveryTruncationOfAValidPayload_OnlyOtlpFormatExceptionOrSuccess()
    {
        byte[] payload = Spans.Request("svc", Spans.Root(1, Spans.Attr("outcome", "success"), Spans.Attr("cost", 0.5)), Spans.Llm(1, 2, "gpt-4o", 1000, 200)).ToByteArray();
        var batch = new SpanBatch();

        int thrown = 0;
        for (int length = 0; length < payload.Length; length++)
        {
            batch.Clear();
            try
            {
                OtlpProtobufReader.Read(payload.AsSpan(0, length), batch);
            }
            catch (OtlpFormatException)
            {
                thrown++;
            }
        }

        Assert.True(thrown > payload.Length / 2, $"{thrown} of {payload.Length} truncations refused");
    }

    // ---------------------------------------------------------------- specific cases

    [Fact]
    public void Read_SpansRequest_DecodesIdsTimesAndAttributes()
    {
        ExportTraceServiceRequest request = Spans.Request("checkout", Spans.Root(1, Spans.Attr("outcome", "success")), Spans.Llm(1, 2, "gpt-4o", 1000, 200));

        SpanBatch batch = Batches.Decode(request);

        Assert.Equal(2, batch.SpanCount);
        SpanRecord root = batch.Spans[0], llm = batch.Spans[1];
        Assert.Equal(TraceId.FromBytes(Spans.TraceId(1)), root.TraceId);
        Assert.True(root.IsRoot);
        Assert.False(llm.IsRoot);
        Assert.Equal(root.SpanId, llm.ParentSpanId);
        Assert.Equal(1_700_000_001_000_000_002UL, llm.EndTimeUnixNano);
        Assert.Equal(4, llm.AttributeCount);
        Assert.Equal("service.name", Encoding.UTF8.GetString(batch.KeyOf(batch.Attributes[batch.Resources[0].AttributeStart])));
    }

    [Fact]
    public void Read_EmptyPayload_EmptyBatch()
    {
        var batch = new SpanBatch();

        OtlpProtobufReader.Read([], batch);

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(0, batch.ResourceCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void Read_TraceIdOfWrongLength_SpanRejectedAsInvalidTraceId(int length)
    {
        Span bad = Spans.Child(1, 2);
        bad.TraceId = ByteString.CopyFrom(new byte[length].Select((_, i) => (byte)(i + 1)).ToArray());

        SpanBatch batch = Batches.Decode(Spans.Request("svc", Spans.Root(1), bad, Spans.Child(1, 3)));

        Assert.Equal(2, batch.SpanCount);
        Assert.Equal(1, batch.RejectedSpans);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidTraceId));
        Assert.Equal(0, batch.RejectedFor(RejectionReason.InvalidSpanId));
        Assert.Contains($"{length} bytes", batch.RejectionMessage);
        Assert.Equal(0, batch.Spans[1].AttributeStart - batch.Spans[0].AttributeStart - batch.Spans[0].AttributeCount);
    }

    [Fact]
    public void Read_AllZeroTraceId_SpanRejectedAsInvalidTraceId()
    {
        Span bad = Spans.Root(1);
        bad.TraceId = ByteString.CopyFrom(new byte[16]);

        SpanBatch batch = Batches.Decode(Spans.Request("svc", bad));

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidTraceId));
    }

    [Theory]
    [InlineData(0, -1)]
    [InlineData(7, -1)]
    [InlineData(-1, 7)]
    [InlineData(-1, 16)]
    public void Read_BadSpanOrParentId_SpanRejectedAsInvalidSpanId(int spanIdLength, int parentLength)
    {
        Span bad = Spans.Child(1, 2, Spans.Attr("dropped", "with its span"));
        if (spanIdLength >= 0) bad.SpanId = ByteString.CopyFrom(Enumerable.Repeat((byte)1, spanIdLength).ToArray());
        if (parentLength >= 0) bad.ParentSpanId = ByteString.CopyFrom(Enumerable.Repeat((byte)1, parentLength).ToArray());

        SpanBatch batch = Batches.Decode(Spans.Request("svc", Spans.Root(1), bad));

        Assert.Equal(1, batch.SpanCount);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidSpanId));
        Assert.Equal(0, batch.Spans[0].AttributeCount);
        Assert.Equal(1, batch.AttributeCount); // service.name only: the rejected span's attribute went with it
    }

    [Fact]
    public void Read_WrongWireTypeForKnownField_MessageNamesTheField()
    {
        // resource_spans (field 1) sent as a varint
        var error = Assert.Throws<OtlpFormatException>(() => OtlpProtobufReader.Read([0x08, 0x01], new SpanBatch()));

        Assert.Contains("resource_spans", error.Message);
    }

    // ---------------------------------------------------------------- decode budget

    [Fact]
    public void Read_MillionsOfEmptyAttributes_RefusedAsTooLargeWithinTheBudget()
    {
        // 2 bytes each on the wire, a 40-byte record each decoded: 6 MB that would take 120 MB.
        byte[] payload = HostilePayloads.EmptyAttributesProtobuf(3_000_000);
        var batch = new SpanBatch();

        var error = Assert.Throws<RequestTooLargeException>(() => OtlpProtobufReader.Read(payload, batch));

        Assert.Contains("once decoded", error.Message);
        long budget = (long)payload.Length * SpanBatch.DecodedBytesPerReceivedByte + SpanBatch.DecodeAllowance;
        Assert.True(batch.CapacityBytes <= budget + new SpanBatch().CapacityBytes, $"{batch.CapacityBytes} bytes of arrays for a budget of {budget}");
    }

    [Fact]
    public void Read_TheBenchRequest_TakesAtMostHalfItsBudget()
    {
        // What real instrumentation sends (GenAI spans of 12 to 15 attributes, a resource of 9) decodes to well under the
        // budget per received byte, so a request is refused only when it is mostly empty records.
        byte[] frame = new BenchPayloads(seed: 4317).Throughput(512).NewFrame();
        byte[] payload = frame[PayloadTemplate.FramePrefix..];
        var batch = new SpanBatch();

        OtlpProtobufReader.Read(payload, batch);

        Assert.Equal(510, batch.SpanCount);
        Assert.True(batch.DecodedBytes * 2 <= (long)payload.Length * SpanBatch.DecodedBytesPerReceivedByte,
            $"{batch.DecodedBytes} bytes decoded from {payload.Length}");
    }

    [Fact]
    public void Read_OneLetterKeysWithSmallNumbers_FitTheBudget()
    {
        // The densest attribute that has a key and a value: a one-letter key and a small number, 9 bytes on the wire and
        // 41 decoded.
        ExportTraceServiceRequest request = Spans.Request("s", Spans.Root(1, Enumerable.Range(0, 20_000).Select(i => Spans.Attr(((char)('a' + i % 26)).ToString(), (long)(i % 100))).ToArray()));
        var batch = new SpanBatch();

        OtlpProtobufReader.Read(request.ToByteArray(), batch);

        Assert.Equal(20_001, batch.AttributeCount);
    }

    // ---------------------------------------------------------------- field numbers

    /// <summary>Each field number the reader names, with the generated classes' number for the same field of the .proto.</summary>
    public static TheoryData<string, int, int> FieldNumbers => new()
    {
        { "ExportTraceServiceRequest.resource_spans", OtlpProtobufReader.ExportTraceServiceRequest.ResourceSpans, ExportTraceServiceRequest.ResourceSpansFieldNumber },
        { "ResourceSpans.resource", OtlpProtobufReader.ResourceSpans.Resource, ResourceSpans.ResourceFieldNumber },
        { "ResourceSpans.scope_spans", OtlpProtobufReader.ResourceSpans.ScopeSpans, ResourceSpans.ScopeSpansFieldNumber },
        { "Resource.attributes", OtlpProtobufReader.Resource.Attributes, Resource.AttributesFieldNumber },
        { "ScopeSpans.spans", OtlpProtobufReader.ScopeSpans.Spans, ScopeSpans.SpansFieldNumber },
        { "Span.trace_id", OtlpProtobufReader.Span.TraceId, Span.TraceIdFieldNumber },
        { "Span.span_id", OtlpProtobufReader.Span.SpanId, Span.SpanIdFieldNumber },
        { "Span.parent_span_id", OtlpProtobufReader.Span.ParentSpanId, Span.ParentSpanIdFieldNumber },
        { "Span.start_time_unix_nano", OtlpProtobufReader.Span.StartTimeUnixNano, Span.StartTimeUnixNanoFieldNumber },
        { "Span.end_time_unix_nano", OtlpProtobufReader.Span.EndTimeUnixNano, Span.EndTimeUnixNanoFieldNumber },
        { "Span.attributes", OtlpProtobufReader.Span.Attributes, Span.AttributesFieldNumber },
        { "Span.status", OtlpProtobufReader.Span.Status, Span.StatusFieldNumber },
        { "Span.events", OtlpProtobufReader.Span.Events, Span.EventsFieldNumber },
        { "Span.Event.name", OtlpProtobufReader.SpanEvent.Name, Span.Types.Event.NameFieldNumber },
        { "Span.Event.attributes", OtlpProtobufReader.SpanEvent.Attributes, Span.Types.Event.AttributesFieldNumber },
        { "ExportLogsServiceRequest.resource_logs", OtlpProtobufReader.ExportLogsServiceRequest.ResourceLogs, ExportLogsServiceRequest.ResourceLogsFieldNumber },
        { "ResourceLogs.scope_logs", OtlpProtobufReader.ResourceLogs.ScopeLogs, ResourceLogs.ScopeLogsFieldNumber },
        { "ScopeLogs.log_records", OtlpProtobufReader.ScopeLogs.LogRecords, ScopeLogs.LogRecordsFieldNumber },
        { "LogRecord.attributes", OtlpProtobufReader.LogRecord.Attributes, LogRecord.AttributesFieldNumber },
        { "LogRecord.trace_id", OtlpProtobufReader.LogRecord.TraceId, LogRecord.TraceIdFieldNumber },
        { "LogRecord.event_name", OtlpProtobufReader.LogRecord.EventName, LogRecord.EventNameFieldNumber },
        { "Status.code", OtlpProtobufReader.Status.Code, Status.CodeFieldNumber },
        { "KeyValue.key", OtlpProtobufReader.KeyValue.Key, KeyValue.KeyFieldNumber },
        { "KeyValue.value", OtlpProtobufReader.KeyValue.Value, KeyValue.ValueFieldNumber },
        { "AnyValue.string_value", OtlpProtobufReader.AnyValue.StringValue, AnyValue.StringValueFieldNumber },
        { "AnyValue.bool_value", OtlpProtobufReader.AnyValue.BoolValue, AnyValue.BoolValueFieldNumber },
        { "AnyValue.int_value", OtlpProtobufReader.AnyValue.IntValue, AnyValue.IntValueFieldNumber },
        { "AnyValue.double_value", OtlpProtobufReader.AnyValue.DoubleValue, AnyValue.DoubleValueFieldNumber },
    };

    [Theory]
    [MemberData(nameof(FieldNumbers))]
    public void FieldNumber_IsTheProtoFilesNumber(string field, int reader, int proto) => Assert.True(reader == proto, $"{field}: the reader reads field {reader}, the .proto numbers it {proto}");
}
