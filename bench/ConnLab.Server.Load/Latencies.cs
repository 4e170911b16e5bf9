namespace ConnLab.Server.Load;

/// <summary>Request latencies of one run, in ms.</summary>
internal sealed class Latencies
{
    private readonly List<double> _ms = [];
    private readonly Lock _gate = new();

    public void Add(double ms)
    {
        lock (_gate)
        {
            _ms.Add(ms);
        }
    }

    public int Count => _ms.Count;

    public double Percentile(double p)
    {
        lock (_gate)
        {
            if (_ms.Count == 0)
            {
                return double.NaN;
            }
            var sorted = _ms.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
        }
    }
}
