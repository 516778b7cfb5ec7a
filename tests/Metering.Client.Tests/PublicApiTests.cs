using System.Globalization;
using System.Reflection;
using System.Text;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>
/// The SDK's public surface is deliberate: it is tracked in clients/Metering.Client/PublicAPI.txt, and any change to
/// it shows up here (the actual listing is written next to the test binaries as PublicAPI.actual.txt).
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Dictionary<Type, string> Aliases = new()
    {
        [typeof(void)] = "void",
        [typeof(bool)] = "bool",
        [typeof(int)] = "int",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(string)] = "string",
        [typeof(object)] = "object",
    };

    [Fact]
    public void PublicSurface_MatchesTrackedFile()
    {
        var actual = Describe(typeof(UsageReporter).Assembly);
        var tracked = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicAPI.txt")).ReplaceLineEndings("\n");
        if (actual != tracked)
        {
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "PublicAPI.actual.txt"), actual);
        }

        Assert.Equal(tracked, actual);
    }

    [Fact]
    public void EveryNonPublicType_IsSealedOrStatic()
    {
        var loose = typeof(UsageReporter).Assembly.GetTypes()
            .Where(t => !t.IsVisible && t.IsClass && !t.IsSealed && !t.IsAbstract && !t.Name.Contains('<', StringComparison.Ordinal))
            .Select(t => t.FullName)
            .ToList();
        Assert.Empty(loose);
    }

    internal static string Describe(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(Kind(type)).Append(' ').Append(type.FullName);
            var bases = new List<string>();
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(Enum) && baseType != typeof(ValueType))
            {
                bases.Add(Name(baseType));
            }

            bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic && !i.IsGenericType || i.Name.StartsWith("IEquatable", StringComparison.Ordinal)).Select(Name).Order(StringComparer.Ordinal));
            if (bases.Count > 0)
            {
                text.Append(" : ").AppendJoin(", ", bases);
            }

            text.Append('\n');
            if (type.IsEnum)
            {
                foreach (var name in Enum.GetNames(type))
                {
                    text.Append(CultureInfo.InvariantCulture, $"  {name} = {Convert.ToInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture)}\n");
                }

                continue;
            }

            var lines = new List<string>();
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(Flags))
            {
                var line = member switch
                {
                    ConstructorInfo c when Visible(c) => $"ctor({Parameters(c, nullability)})",
                    MethodInfo m when Visible(m) && !m.IsSpecialName => $"{(m.IsStatic ? "static " : string.Empty)}method {Name(m.ReturnParameter, nullability)} {m.Name}({Parameters(m, nullability)})",
                    MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal) => $"static operator {m.Name}({Parameters(m, nullability)})",
                    PropertyInfo p when (p.GetMethod is { } g && Visible(g)) || (p.SetMethod is { } s && Visible(s)) => $"property {Name(p, nullability)} {p.Name} {{ {Accessors(p)} }}",
                    FieldInfo f when f.IsPublic && f.IsLiteral => $"const {Name(f.FieldType)} {f.Name} = {Convert.ToString(f.GetRawConstantValue(), CultureInfo.InvariantCulture)}",
                    FieldInfo f when f.IsPublic => $"field {Name(f.FieldType)} {f.Name}",
                    _ => null,
                };
                if (line is not null)
                {
                    lines.Add(line);
                }
            }

            foreach (var line in lines.Order(StringComparer.Ordinal))
            {
                text.Append("  ").Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    private static bool Visible(MethodBase method) => (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly) && !method.Name.Contains('<', StringComparison.Ordinal);

    private static string Kind(Type type) => type switch
    {
        { IsEnum: true } => "enum",
        { IsInterface: true } => "interface",
        { IsValueType: true } => "struct",
        { IsAbstract: true, IsSealed: true } => "static class",
        { IsSealed: true } when type.GetMethod("<Clone>$") is not null => "sealed record",
        { IsSealed: true } => "sealed class",
        _ => "class",
    };

    private static string Accessors(PropertyInfo property)
    {
        var parts = new List<string>();
        if (property.GetMethod is { } get && Visible(get))
        {
            parts.Add("get;");
        }

        if (property.SetMethod is { } set && Visible(set))
        {
            var init = set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
            parts.Add(init ? "init;" : "set;");
        }

        return string.Join(' ', parts);
    }

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability)
        => string.Join(", ", method.GetParameters().Select(p =>
        {
            var text = p.IsOut ? $"out {Name(p.ParameterType.GetElementType()!)} {p.Name}" : $"{Name(p, nullability)} {p.Name}";
            if (p.HasDefaultValue)
            {
                text += " = " + (p.DefaultValue switch
                {
                    null => p.ParameterType.IsValueType && Nullable.GetUnderlyingType(p.ParameterType) is null ? "default" : "null",
                    bool b => b ? "true" : "false",
                    var v => Convert.ToString(v, CultureInfo.InvariantCulture),
                });
            }

            return text;
        }));

    private static string Name(ParameterInfo parameter, NullabilityInfoContext nullability)
        => Name(parameter.ParameterType) + (!parameter.ParameterType.IsValueType && nullability.Create(parameter).ReadState == NullabilityState.Nullable ? "?" : string.Empty);

    private static string Name(PropertyInfo property, NullabilityInfoContext nullability)
        => Name(property.PropertyType) + (!property.PropertyType.IsValueType && nullability.Create(property).ReadState == NullabilityState.Nullable ? "?" : string.Empty);

    private static string Name(Type type)
    {
        if (Aliases.TryGetValue(type, out var alias))
        {
            return alias;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;
        if (!type.IsGenericType)
        {
            return name;
        }

        return name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
    }
}
