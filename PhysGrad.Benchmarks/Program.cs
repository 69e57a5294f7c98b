using BenchmarkDotNet.Running;

namespace PhysGrad.Benchmarks;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "peer")
            Peer.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "products")
            ProductCompileTimes.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "trace")
            TraceTiming.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "sparse")
            SparseTiming.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 2 && args[0] == "probe")
            RuleTiming.Probe(args[1], int.Parse(args[2]), args.Contains("contracting"), 3);
        else if (args.Length > 0 && args[0] == "converge")
            RuleTiming.Converge(args.Contains("convex"), args.Contains("convex") ? 100 : 500,
                args.Skip(1).Where(a => a != "convex").Select(int.Parse));
        else if (args.Length > 1 && args[0] == "steps")
            StepScaling.Run(args[1..]);
        else if (args.Length > 2 && args[0] == "hessianfamilies")
            HessianFamilies.Run(int.Parse(args[1]), int.Parse(args[2]));
        else if (args.Length > 2 && args[0] == "trials")
            TrialValues.Run(int.Parse(args[1]), int.Parse(args[2]), args.Length > 3 ? int.Parse(args[3]) : 10);
        else if (args.Length > 0 && args[0] == "memory")
            RuleTiming.Memory(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "learning-kernels")
            LearningKernels.Run();
        else if (args.Length > 0 && args[0] == "learning")
            LearningStages.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "heatlsqr")
            HeatLsqr.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "heatk")
            HeatSteps.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "heatgn")
            HeatGaussNewton.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "heat")
            HeatInverse.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 2 && args[0] == "build")
            ExampleBuild.Run(args[1], args.Skip(2).Select(int.Parse));
        else if (args.Length > 2 && args[0] == "examplephases")
            ExamplePhases.Run(args[1], int.Parse(args[2]));
        else if (args.Length > 2 && args[0] == "phases")
            BuildPhases.Run(args[1], int.Parse(args[2]));
        else if (args.Length > 0 && args[0] == "scaleparts")
            ScaleParts.Run(int.Parse(args[1]), int.Parse(args[2]));
        else if (args.Length > 0 && args[0] == "scale")
            ScaleTiming.Run(args.Skip(1).Select(int.Parse));
        else if (args.Length > 0 && args[0] == "scale-straight")
            ScaleTiming.Run(args.Skip(1).Select(int.Parse), loops: false);
        else if (args.Length > 0 && args[0] == "limits")
            Limits.Run();
        else
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
