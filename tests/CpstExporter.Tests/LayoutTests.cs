using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests;

/// <summary>
/// The layout of docs/design.md: each folder of <c>src/CpstExporter</c> uses only the folders before it in
/// <see cref="Order"/>, so the pipeline runs one way and no stage reaches back upstream. Checked twice: in the sources
/// (<c>using</c> directives and fully qualified names, which doc comments need too) and in the compiled assembly (every
/// type a type's fields, signatures and method bodies refer to), which also sees what the sources do not spell out: the
/// root namespace's types, visible from every folder without a <c>using</c>, and a name qualified from a parent
/// namespace (<c>Aggregation.CpstMetrics</c>).
/// </summary>
public sealed partial class LayoutTests
{
    /// <summary>Folders from first to last; those on one line may not use each other. "" is the root: the composition root.</summary>
    private static readonly string[][] Order =
    [
        ["Primitives"],
        ["Telemetry", "Auth"],
        ["Receiving"],
        ["Conventions"],
        ["Pricing"],
        ["Tasks"],
        ["Aggregation"],
        ["Billing"],
        ["Exposition"],
        ["Hosting"],
        ["Configuration"],
        [""],
    ];

    private static readonly Dictionary<string, int> Rank =
        Order.SelectMany((folders, rank) => folders.Select(folder => (folder, rank))).ToDictionary(f => f.folder, f => f.rank);

    private static string SourceRoot => RepoFiles.Path("src", "CpstExporter");

    private static IEnumerable<string> SourceFiles() => Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
        .Where(f => !Path.GetRelativePath(SourceRoot, f).Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"));

    private static string FolderOf(string file) =>
        Path.GetRelativePath(SourceRoot, file).Split(Path.DirectorySeparatorChar) is [var folder, _, ..] ? folder : "";

    /// <summary>The folder of a namespace of this project: <c>CpstExporter.Receiving.Otlp</c> is Receiving's; null outside the project.</summary>
    private static string? FolderOfNamespace(string ns) =>
        ns == "CpstExporter" ? "" : ns.StartsWith("CpstExporter.", StringComparison.Ordinal) ? ns.Split('.')[1] : null;

    private static bool Allowed(string from, string to) => from == to || Rank[to] < Rank[from];

    [Fact]
    public void Folders_AreAllInTheOrder()
    {
        string[] folders = Directory.EnumerateDirectories(SourceRoot).Select(Path.GetFileName).OfType<string>()
            .Where(d => d is not ("obj" or "bin")).ToArray();

        Assert.All(folders, folder => Assert.True(Rank.ContainsKey(folder),
            $"src/CpstExporter/{folder}/ has no place in LayoutTests.Order: add it where it belongs, and to the layout in docs/design.md"));
        Assert.All(Rank.Keys.Where(f => f != ""), folder => Assert.Contains(folder, folders));
    }

    [Fact]
    public void Namespaces_FollowFolders()
    {
        var wrong = new List<string>();
        foreach (string file in SourceFiles())
        {
            Match match = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (!match.Success) continue; // top-level statements
            // A sub-folder is a sub-namespace of its stage (Tasks/State/ is CpstExporter.Tasks.State) and ranks with it.
            string? directory = Path.GetDirectoryName(Path.GetRelativePath(SourceRoot, file));
            string expected = string.IsNullOrEmpty(directory) ? "CpstExporter" : "CpstExporter." + directory.Replace(Path.DirectorySeparatorChar, '.');
            if (match.Groups["name"].Value != expected) wrong.Add($"{Path.GetRelativePath(SourceRoot, file)}: namespace {match.Groups["name"].Value}, not {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Sources_NameOnlyEarlierFolders()
    {
        var wrong = new List<string>();
        foreach (string file in SourceFiles())
        {
            string folder = FolderOf(file);
            foreach (Match match in ProjectReference().Matches(File.ReadAllText(file)))
            {
                string target = match.Groups["folder"].Value;
                if (!Rank.ContainsKey(target) || !Allowed(folder, target))
                    wrong.Add($"{Path.GetRelativePath(SourceRoot, file)} ({Display(folder)}) names {Display(target)}: '{match.Value.Trim()}'");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void CompiledTypes_UseOnlyEarlierFolders()
    {
        var wrong = new SortedSet<string>(StringComparer.Ordinal);
        using var pe = new PEReader(File.OpenRead(typeof(CpstHost).Assembly.Location));
        MetadataReader metadata = pe.GetMetadataReader();
        var references = new TypeReferences(metadata, pe);
        foreach (TypeDefinitionHandle type in metadata.TypeDefinitions)
        {
            if (references.Folder(type) is not string from) continue;
            foreach (TypeDefinitionHandle used in references.UsedBy(type))
            {
                if (references.Folder(used) is not string to) continue;
                if (!Rank.ContainsKey(to)) wrong.Add($"{references.Name(used)} is in a folder without a place in the order: {Display(to)}");
                else if (!Rank.ContainsKey(from) || !Allowed(from, to))
                    wrong.Add($"{Display(from)} → {Display(to)}: {references.Name(type)} uses {references.Name(used)}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>The check sees what it must: a later folder's type in a field, a signature, a method body.</summary>
    [Fact]
    public void CompiledTypes_TheCheckSeesFieldsSignaturesAndBodies()
    {
        using var pe = new PEReader(File.OpenRead(typeof(CpstHost).Assembly.Location));
        MetadataReader metadata = pe.GetMetadataReader();
        var references = new TypeReferences(metadata, pe);
        string[] Used(string name) => references.UsedBy(references.Find(name)).Select(references.Name).ToArray();

        Assert.Contains("CpstExporter.Receiving.ReceiverCounters", Used("CpstExporter.Exposition.MetricsWriter")); // a constructor parameter, kept in a field
        Assert.Contains("CpstExporter.Pricing.BatchPricer", Used("CpstExporter.SpanPipeline"));
        Assert.Contains("CpstExporter.Hosting.ListenerMetadata", Used("CpstExporter.Hosting.ListenerRoutes")); // created in a method body
        Assert.Contains("CpstExporter.Receiving.OtlpGrpcAnswers", Used("CpstExporter.Hosting.ListenerRoutes")); // called from a method body
        Assert.Contains("CpstExporter.Primitives.Saturating", Used("CpstExporter.Receiving.LabeledCounter`1")); // a static call
    }

    /// <summary>
    /// Everything a type works with is given to it when it is made, so a reader follows the wiring in the constructors
    /// and the composition root: no type of the service lets another hand it a callback or a collaborator afterwards (a
    /// settable property or field of a delegate type, or of a service type of this assembly). Data objects, whose
    /// settable members hold state rather than collaborators, are named in <see cref="DataTypes"/>.
    /// </summary>
    [Fact]
    public void Types_AreGivenTheirCollaboratorsWhenMade_NothingIsWiredAfter()
    {
        Assembly product = typeof(CpstHost).Assembly;
        bool IsWiring(Type type) => typeof(Delegate).IsAssignableFrom(type) ||
            (type.Assembly == product && type.IsClass && !type.IsGenericParameter && !DataTypes.Contains(type.Name));
        var wrong = new List<string>();
        foreach (Type type in product.GetTypes().Where(t => t.Namespace?.StartsWith("CpstExporter", StringComparison.Ordinal) == true &&
            !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false) && !DataTypes.Contains(t.Name) &&
            !t.IsNestedPrivate && // its members are its outer type's to set
            !typeof(Google.Protobuf.IMessage).IsAssignableFrom(t))) // messages generated from the OTLP .proto files
        {
            const BindingFlags members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (PropertyInfo property in type.GetProperties(members))
            {
                MethodInfo? setter = property.SetMethod;
                bool initOnly = setter?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)) == true;
                if (setter is null || setter.IsPrivate || initOnly || !IsWiring(property.PropertyType)) continue;
                wrong.Add($"{type.FullName}.{property.Name} ({property.PropertyType.Name}) can be set after the {type.Name} is made");
            }
            foreach (FieldInfo field in type.GetFields(members))
            {
                if (field.IsPrivate || field.IsInitOnly || field.IsLiteral || !IsWiring(field.FieldType)) continue;
                wrong.Add($"{type.FullName}.{field.Name} ({field.FieldType.Name}) can be set after the {type.Name} is made");
            }
        }
        Assert.True(wrong.Count == 0, "give these in the constructor instead:\n" + string.Join("\n", wrong));
    }

    /// <summary>Types whose settable members hold a piece's state, not a collaborator: a pending task and its parts, verdicts held for a trace not seen yet, a loaded state file.</summary>
    private static readonly HashSet<string> DataTypes = ["PendingTask", "PendingTaskExtras", "HeldCalls", "HeldVerdicts", "LoadedState", "SpanBatch"];

    private static string Display(string folder) => folder == "" ? "the root" : folder + "/";

    [GeneratedRegex(@"^namespace (?<name>[\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    /// <summary><c>using CpstExporter.X</c> in any form, or a name qualified from <c>CpstExporter.X</c>, outside strings.</summary>
    [GeneratedRegex(@"(?<![\w""])(?:global::)?CpstExporter\.(?<folder>[A-Z]\w*)\b", RegexOptions.Multiline)]
    private static partial Regex ProjectReference();

    /// <summary>The types of this assembly that each of its types refers to, read from its metadata and IL.</summary>
    private sealed class TypeReferences(MetadataReader metadata, PEReader pe) : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        private static readonly Dictionary<short, OperandType> OpCodeOperands = typeof(OpCodes).GetFields()
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

        public string Name(TypeDefinitionHandle handle)
        {
            TypeDefinition type = metadata.GetTypeDefinition(handle);
            string name = metadata.GetString(type.Name);
            TypeDefinitionHandle declaring = type.GetDeclaringType();
            if (!declaring.IsNil) return Name(declaring) + "+" + name;
            string ns = metadata.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public TypeDefinitionHandle Find(string name) => metadata.TypeDefinitions.Single(t => Name(t) == name);

        /// <summary>The folder of a type of this project (a nested type is its outermost type's), or null for one that is not.</summary>
        public string? Folder(TypeDefinitionHandle handle)
        {
            TypeDefinition type = metadata.GetTypeDefinition(handle);
            while (!type.GetDeclaringType().IsNil) type = metadata.GetTypeDefinition(type.GetDeclaringType());
            string ns = metadata.GetString(type.Namespace);
            // Top-level statements compile into Program in the global namespace: the composition root.
            if (ns.Length == 0) return metadata.GetString(type.Name) == "Program" ? "" : null;
            return FolderOfNamespace(ns);
        }

        public IEnumerable<TypeDefinitionHandle> UsedBy(TypeDefinitionHandle handle)
        {
            var used = new HashSet<TypeDefinitionHandle>();
            TypeDefinition type = metadata.GetTypeDefinition(handle);
            if (!type.BaseType.IsNil) used.UnionWith(Types(type.BaseType));
            foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations()) used.UnionWith(Types(metadata.GetInterfaceImplementation(i).Interface));
            foreach (GenericParameterHandle p in type.GetGenericParameters())
                foreach (GenericParameterConstraintHandle c in metadata.GetGenericParameter(p).GetConstraints())
                    used.UnionWith(Types(metadata.GetGenericParameterConstraint(c).Type));
            foreach (FieldDefinitionHandle f in type.GetFields()) used.UnionWith(metadata.GetFieldDefinition(f).DecodeSignature(this, null));
            foreach (MethodDefinitionHandle m in type.GetMethods())
            {
                MethodDefinition method = metadata.GetMethodDefinition(m);
                MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature = method.DecodeSignature(this, null);
                used.UnionWith(signature.ReturnType);
                foreach (var parameter in signature.ParameterTypes) used.UnionWith(parameter);
                if (method.RelativeVirtualAddress != 0) used.UnionWith(Body(pe.GetMethodBody(method.RelativeVirtualAddress)));
            }
            foreach (TypeDefinitionHandle nested in type.GetNestedTypes()) used.UnionWith(UsedBy(nested));
            used.Remove(handle);
            return used;
        }

        private IEnumerable<TypeDefinitionHandle> Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
                foreach (var local in metadata.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null))
                    foreach (TypeDefinitionHandle t in local) yield return t;
            BlobReader il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
                switch (OpCodeOperands[code])
                {
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                        foreach (TypeDefinitionHandle t in Types(MetadataTokens.EntityHandle(il.ReadInt32()))) yield return t;
                        break;
                    case OperandType.InlineSwitch:
                        int targets = il.ReadInt32();
                        il.Offset += 4 * targets;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                }
            }
        }

        /// <summary>The types of this assembly a type, field, method or member token refers to, generic arguments included.</summary>
        private ImmutableArray<TypeDefinitionHandle> Types(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => [(TypeDefinitionHandle)handle],
            HandleKind.TypeSpecification => metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            HandleKind.FieldDefinition => [metadata.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()],
            HandleKind.MethodDefinition => [metadata.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()],
            HandleKind.MemberReference => Types(metadata.GetMemberReference((MemberReferenceHandle)handle).Parent),
            HandleKind.MethodSpecification => [.. Types(metadata.GetMethodSpecification((MethodSpecificationHandle)handle).Method),
                .. metadata.GetMethodSpecification((MethodSpecificationHandle)handle).DecodeSignature(this, null).SelectMany(t => t)],
            _ => [],
        };

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => [];
        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => [];
        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(t => t)];
        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(t => t)];
    }
}
