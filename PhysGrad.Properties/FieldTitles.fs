/// Field plots are titled by the problem they show, like the comparison's other plots.
module PhysGrad.Properties.FieldTitles

open Xunit
open PhysGrad

[<Fact>]
let ``every field plot of an example opens its title with the example's name and size`` () =
    // heat1d (a line per run) and poisson2d (a heat map per run and one of x*): the title the example carries
    // ("heat1d, n = 16") must open each plot's title, and a plot without a problem keeps the run's title alone.
    for name, n, shape in [ "heat1d", 16, [| 16 |]; "poisson2d", 4, [| 4; 4 |] ] do
        let problem = ReferenceProblems.Create(name, n)
        let title = problem.Definition.Title
        Assert.False(System.String.IsNullOrEmpty title)
        Assert.Contains(name, title)
        let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,pg:0.3", 2)
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        for struct (file, plot) in FieldPlots.Plots(runs, shape, comparison.Target.X, title) do
            Assert.StartsWith(title + ": ", plot.Axes.Title.Label.Text)
        for struct (file, plot) in FieldPlots.Plots(runs, shape, comparison.Target.X) do
            Assert.False(plot.Axes.Title.Label.Text.StartsWith(title), file)
