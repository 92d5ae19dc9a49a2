using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Mesh.Telemetry;

/// <summary>All label sets of one instrument and their running values.</summary>
internal sealed class InstrumentSeries
{
    private readonly ConcurrentDictionary<LabelSet, SeriesValue> _values = new();

    // Most measurements carry zero or one tag with a handful of values; skip rebuilding their label text each time.
    private readonly ConcurrentDictionary<(string Key, object? Value), SeriesValue> _singleTag = new();
    private SeriesValue? _untagged;
    private readonly double[]? _buckets;
    private readonly string _type;
    private readonly bool _cumulative;

    public InstrumentSeries(Instrument instrument, double[]? buckets)
    {
        _buckets = buckets;
        var baseName = PrometheusExporter.SanitizeName(instrument.Name);
        var isCounter = instrument.GetType().Name is "Counter`1" or "ObservableCounter`1";
        _cumulative = instrument.GetType().Name is "Counter`1" or "UpDownCounter`1" || buckets is not null;
        _type = buckets is not null ? "histogram" : isCounter ? "counter" : "gauge";
        Name = isCounter && !baseName.EndsWith("_total", StringComparison.Ordinal) ? baseName + "_total" : baseName;
        Description = instrument.Description;
    }

    public string Name { get; }

    public string? Description { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = tags.Length switch
        {
            0 => _untagged ??= SeriesFor(tags),
            1 => _singleTag.TryGetValue((tags[0].Key, tags[0].Value), out var cached) ? cached : _singleTag.GetOrAdd((tags[0].Key, tags[0].Value), SeriesFor(tags)),
            _ => SeriesFor(tags),
        };
        series.Record(value, _cumulative);
    }

    private SeriesValue SeriesFor(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _values.GetOrAdd(LabelSet.From(tags), static (_, buckets) => new SeriesValue(buckets), _buckets);

    public void WriteTo(StringBuilder text)
    {
        if (_values.IsEmpty)
        {
            return;
        }

        if (!string.IsNullOrEmpty(Description))
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append(Description.Replace('\n', ' ')).Append('\n');
        }

        text.Append("# TYPE ").Append(Name).Append(' ').Append(_type).Append('\n');
        foreach (var (labels, value) in _values.OrderBy(v => v.Key.Text, StringComparer.Ordinal))
        {
            if (_buckets is null)
            {
                text.Append(Name).Append(labels.Braced()).Append(' ').Append(PrometheusExporter.FormatValue(value.Sum)).Append('\n');
                continue;
            }

            var (counts, sum, count) = value.ReadHistogram();
            long cumulative = 0;
            for (var i = 0; i < _buckets.Length; i++)
            {
                cumulative += counts[i];
                text.Append(Name).Append("_bucket").Append(labels.BracedWith("le", PrometheusExporter.FormatValue(_buckets[i]))).Append(' ').Append(cumulative).Append('\n');
            }

            text.Append(Name).Append("_bucket").Append(labels.BracedWith("le", "+Inf")).Append(' ').Append(count).Append('\n');
            text.Append(Name).Append("_sum").Append(labels.Braced()).Append(' ').Append(PrometheusExporter.FormatValue(sum)).Append('\n');
            text.Append(Name).Append("_count").Append(labels.Braced()).Append(' ').Append(count).Append('\n');
        }
    }
}

/// <summary>The running value of one label set: a sum, or histogram bucket counts.</summary>
internal sealed class SeriesValue(double[]? buckets)
{
    private readonly Lock _gate = new();
    private readonly long[] _counts = new long[buckets?.Length ?? 0];
    private double _sum;
    private long _count;

    public double Sum
    {
        get
        {
            lock (_gate)
            {
                return _sum;
            }
        }
    }

    public void Record(double value, bool cumulative)
    {
        lock (_gate)
        {
            if (buckets is not null)
            {
                var index = Array.BinarySearch(buckets, value);
                index = index < 0 ? ~index : index;
                if (index < _counts.Length)
                {
                    _counts[index]++;
                }

                _count++;
                _sum += value;
            }
            else
            {
                _sum = cumulative ? _sum + value : value;
            }
        }
    }

    public (long[] Counts, double Sum, long Count) ReadHistogram()
    {
        lock (_gate)
        {
            return ((long[])_counts.Clone(), _sum, _count);
        }
    }
}
