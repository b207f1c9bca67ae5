// Which blend shape of a mesh each curve drives. The server names curves as Live Link Face does
// ("JawOpen", "EyeBlinkLeft", "viseme_aa"); rigs name their blend shapes exactly so, in ARKit's own
// camelCase ("jawOpen", Ready Player Me, VRoid exports with the ARKit set), with an exporter prefix
// ("blendShape1.jawOpen", "Face.M_F00_000_00_Fcl_jawOpen"), or in a scheme of their own (a remap
// table). The mapping is computed once per mesh and applied every frame without allocating.
using System;
using System.Collections.Generic;
using System.Text;

namespace FantasyTalking
{
    /// <summary>How curve names are matched to blend shape names.</summary>
    public enum NameMatchMode
    {
        /// <summary>Remap entries first, then exact, ARKit camelCase, case-insensitive and prefixed names.</summary>
        Auto = 0,
        /// <summary>Only blend shapes named exactly as the curves (Live Link Face names: "JawOpen").</summary>
        Exact = 1,
        /// <summary>Only ARKit camelCase names ("jawOpen", the Ready Player Me convention); visemes keep their names.</summary>
        ArkitCamelCase = 2,
        /// <summary>Only the remap table's entries.</summary>
        RemapOnly = 3,
    }

    /// <summary>One row of a remap table: curve → blend shape, with a multiplier and an offset.</summary>
    [Serializable]
    public sealed class CurveRemapEntry
    {
        /// <summary>The curve's name as the server sends it ("JawOpen"); ARKit camelCase is accepted too.</summary>
        public string Curve = "";
        /// <summary>The blend shape's name on the mesh.</summary>
        public string BlendShape = "";
        public float Multiplier = 1f;
        public float Offset;

        public CurveRemapEntry() { }

        public CurveRemapEntry(string curve, string blendShape, float multiplier = 1f, float offset = 0f)
        {
            Curve = curve;
            BlendShape = blendShape;
            Multiplier = multiplier;
            Offset = offset;
        }
    }

    /// <summary>The data of a remap asset: rows, and what to do with curves no row names.</summary>
    [Serializable]
    public sealed class CurveRemapTable
    {
        public List<CurveRemapEntry> Entries = new List<CurveRemapEntry>();

        /// <summary>Reads "curve,blendShape[,multiplier[,offset]]" lines (a header line and # comments are skipped).</summary>
        public static CurveRemapTable ParseCsv(string text)
        {
            var table = new CurveRemapTable();
            string[] lines = text.Replace("\r\n", "\n").Split('\n');
            for (int n = 0; n < lines.Length; n++)
            {
                string line = lines[n].Trim();
                if (line.Length == 0 || line.StartsWith("#")) continue;
                string[] cells = line.Split(',');
                if (n == 0 && cells[0].Trim().Equals("curve", StringComparison.OrdinalIgnoreCase)) continue;
                if (cells.Length < 2) throw new FormatException("remap line " + (n + 1) + ": expected curve,blendShape[,multiplier[,offset]], got \"" + line + "\"");
                var e = new CurveRemapEntry(cells[0].Trim(), cells[1].Trim());
                if (cells.Length > 2 && cells[2].Trim().Length > 0) e.Multiplier = ParseFloat(cells[2], n);
                if (cells.Length > 3 && cells[3].Trim().Length > 0) e.Offset = ParseFloat(cells[3], n);
                table.Entries.Add(e);
            }
            return table;
        }

        public string ToCsv()
        {
            var sb = new StringBuilder("curve,blendShape,multiplier,offset\n");
            foreach (CurveRemapEntry e in Entries)
                sb.Append(e.Curve).Append(',').Append(e.BlendShape).Append(',')
                  .Append(e.Multiplier.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                  .Append(e.Offset.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            return sb.ToString();
        }

        static float ParseFloat(string cell, int line)
        {
            float v;
            if (!float.TryParse(cell.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out v))
                throw new FormatException("remap line " + (line + 1) + ": \"" + cell.Trim() + "\" is not a number");
            return v;
        }
    }

    /// <summary>ARKit-52 names in Live Link Face order, and the conversions between the two spellings.</summary>
    public static class ArkitNames
    {
        /// <summary>The 52 ARKit blendshapes as the server names them (Live Link Face), in frame order.</summary>
        public static readonly string[] LiveLink =
        {
            "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft", "EyeSquintLeft", "EyeWideLeft",
            "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight", "EyeSquintRight", "EyeWideRight",
            "JawForward", "JawRight", "JawLeft", "JawOpen", "MouthClose", "MouthFunnel", "MouthPucker", "MouthRight", "MouthLeft",
            "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft", "MouthFrownRight", "MouthDimpleLeft", "MouthDimpleRight",
            "MouthStretchLeft", "MouthStretchRight", "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper",
            "MouthPressLeft", "MouthPressRight", "MouthLowerDownLeft", "MouthLowerDownRight", "MouthUpperUpLeft", "MouthUpperUpRight",
            "BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight", "CheekPuff", "CheekSquintLeft",
            "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight", "TongueOut",
        };

        /// <summary>"JawOpen" → "jawOpen". Names that do not start with a capital ("viseme_aa") are kept.</summary>
        public static string ToCamelCase(string name)
        {
            if (string.IsNullOrEmpty(name) || !char.IsUpper(name[0])) return name;
            return char.ToLowerInvariant(name[0]) + name.Substring(1);
        }

        /// <summary>"jawOpen" → "JawOpen".</summary>
        public static string ToLiveLink(string name)
        {
            if (string.IsNullOrEmpty(name) || !char.IsLower(name[0]) || name.StartsWith("viseme_")) return name;
            return char.ToUpperInvariant(name[0]) + name.Substring(1);
        }
    }

    /// <summary>A computed curve → blend shape mapping for one mesh, and the per-frame weight computation.</summary>
    public sealed class BlendshapeMapping
    {
        static readonly char[] Separators = { '.', '_', ':', '|', '/' };

        /// <summary>Parallel arrays: link k drives target TargetIndex[k] from curve SourceIndex[k].</summary>
        public int[] SourceIndex;
        public int[] TargetIndex;
        public float[] Multiplier;
        public float[] Offset;
        /// <summary>Which mesh blend shapes some curve drives.</summary>
        public bool[] Driven;
        /// <summary>Curves with no blend shape on this mesh.</summary>
        public string[] MissingCurves;
        /// <summary>Remap rows whose blend shape the mesh lacks ("row: blendShape").</summary>
        public string[] MissingRemapTargets;
        public string[] CurveNames;
        public string[] TargetNames;

        public int LinkCount { get { return SourceIndex.Length; } }

        /// <summary>Number of distinct curves that drive something.</summary>
        public int MatchedCurveCount
        {
            get
            {
                var seen = new HashSet<int>(SourceIndex);
                return seen.Count;
            }
        }

        /// <summary>Matches <paramref name="curveNames"/> (the stream's header) to <paramref name="targetNames"/> (the mesh's blend shapes).</summary>
        public static BlendshapeMapping Build(IList<string> curveNames, IList<string> targetNames, NameMatchMode mode, CurveRemapTable remap = null)
        {
            if (curveNames == null) throw new ArgumentNullException("curveNames");
            if (targetNames == null) throw new ArgumentNullException("targetNames");
            var exact = new Dictionary<string, int>(StringComparer.Ordinal);
            var folded = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var suffix = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < targetNames.Count; i++)
            {
                string t = targetNames[i] ?? "";
                if (!exact.ContainsKey(t)) exact[t] = i;
                if (!folded.ContainsKey(t)) folded[t] = i;
                // Exporters prefix blend shapes with the mesh or a set name: "blendShape1.jawOpen",
                // "Face_jawOpen", "ARKit:JawOpen", "Fcl_MTH_viseme_aa". Every tail after a separator is a candidate.
                for (int cut = t.LastIndexOfAny(Separators); cut > 0; cut = t.LastIndexOfAny(Separators, cut - 1))
                {
                    string tail = t.Substring(cut + 1);
                    if (tail.Length > 0 && !suffix.ContainsKey(tail)) suffix[tail] = i;
                }
            }

            var src = new List<int>();
            var dst = new List<int>();
            var mul = new List<float>();
            var off = new List<float>();
            var missing = new List<string>();
            var missingRemap = new List<string>();
            var remapped = new HashSet<int>();

            if (remap != null && mode != NameMatchMode.Exact && mode != NameMatchMode.ArkitCamelCase)
            {
                foreach (CurveRemapEntry e in remap.Entries)
                {
                    int c = IndexOf(curveNames, e.Curve);
                    if (c < 0) c = IndexOf(curveNames, ArkitNames.ToLiveLink(e.Curve));
                    if (c < 0) continue;  // a row for a curve this stream does not carry (another rig profile)
                    if (string.IsNullOrEmpty(e.BlendShape)) continue;  // a blank row: the rig has no shape for it yet
                    int t;
                    if (!exact.TryGetValue(e.BlendShape ?? "", out t))
                    {
                        missingRemap.Add(e.Curve + " → " + e.BlendShape);
                        continue;
                    }
                    src.Add(c); dst.Add(t); mul.Add(e.Multiplier); off.Add(e.Offset);
                    remapped.Add(c);
                }
            }

            for (int c = 0; c < curveNames.Count; c++)
            {
                if (remapped.Contains(c)) continue;
                string name = curveNames[c];
                int t = -1;
                switch (mode)
                {
                    case NameMatchMode.Exact:
                        if (!exact.TryGetValue(name, out t)) t = -1;
                        break;
                    case NameMatchMode.ArkitCamelCase:
                        if (!exact.TryGetValue(ArkitNames.ToCamelCase(name), out t)) t = -1;
                        break;
                    case NameMatchMode.RemapOnly:
                        t = -1;
                        break;
                    default:
                        if (!exact.TryGetValue(name, out t) &&
                            !exact.TryGetValue(ArkitNames.ToCamelCase(name), out t) &&
                            !folded.TryGetValue(name, out t) &&
                            !suffix.TryGetValue(name, out t)) t = -1;
                        break;
                }
                if (t < 0)
                {
                    missing.Add(name);
                    continue;
                }
                src.Add(c); dst.Add(t); mul.Add(1f); off.Add(0f);
            }

            var driven = new bool[targetNames.Count];
            foreach (int t in dst) driven[t] = true;
            var names = new string[curveNames.Count];
            curveNames.CopyTo(names, 0);
            var targets = new string[targetNames.Count];
            targetNames.CopyTo(targets, 0);
            return new BlendshapeMapping
            {
                SourceIndex = src.ToArray(),
                TargetIndex = dst.ToArray(),
                Multiplier = mul.ToArray(),
                Offset = off.ToArray(),
                Driven = driven,
                MissingCurves = missing.ToArray(),
                MissingRemapTargets = missingRemap.ToArray(),
                CurveNames = names,
                TargetNames = targets,
            };
        }

        static int IndexOf(IList<string> names, string name)
        {
            for (int i = 0; i < names.Count; i++) if (string.Equals(names[i], name, StringComparison.Ordinal)) return i;
            return -1;
        }

        /// <summary>
        /// Target weights on Unity's scale from one frame of curve weights (0..1): each link adds
        /// weight × multiplier + offset to its blend shape, the sum is clamped to 0..1, scaled by
        /// <paramref name="intensity"/> and by <paramref name="fullWeight"/> (100 in Unity). Blend shapes no
        /// curve drives are left as they are in <paramref name="into"/>. No allocation.
        /// </summary>
        public void Apply(float[] curveWeights, float[] into, float intensity = 1f, float fullWeight = 100f)
        {
            if (into.Length < Driven.Length) throw new ArgumentException("target array is shorter than the mesh's blend shape count");
            for (int t = 0; t < Driven.Length; t++) if (Driven[t]) into[t] = 0f;
            for (int k = 0; k < SourceIndex.Length; k++)
                into[TargetIndex[k]] += curveWeights[SourceIndex[k]] * Multiplier[k] + Offset[k];
            for (int t = 0; t < Driven.Length; t++)
            {
                if (!Driven[t]) continue;
                float v = into[t];
                v = v < 0f ? 0f : (v > 1f ? 1f : v);
                into[t] = v * intensity * fullWeight;
            }
        }

        /// <summary>The console warning for this mesh, or null when every expected curve found a blend shape.
        /// <paramref name="ignore"/> lists curves it is fine to miss (those the rig has no use for).</summary>
        public string Describe(string meshName, ICollection<string> ignore = null)
        {
            var missing = new List<string>();
            foreach (string m in MissingCurves) if (ignore == null || !ignore.Contains(m)) missing.Add(m);
            if (missing.Count == 0 && MissingRemapTargets.Length == 0) return null;
            var sb = new StringBuilder();
            if (LinkCount == 0)
            {
                sb.Append("FantasyTalking: '").Append(meshName).Append("' has none of the expected blend shapes, so the face will not move. ")
                  .Append("Expected names like JawOpen or jawOpen (ARKit); the mesh has ").Append(TargetNames.Length).Append(" blend shape(s)");
                if (TargetNames.Length > 0)
                {
                    sb.Append(": ");
                    for (int i = 0; i < Math.Min(12, TargetNames.Length); i++) sb.Append(i > 0 ? ", " : "").Append(TargetNames[i]);
                    if (TargetNames.Length > 12) sb.Append(", ...");
                }
                sb.Append(". Use a remap asset to name them.");
            }
            else if (missing.Count > 0)
            {
                sb.Append("FantasyTalking: '").Append(meshName).Append("' lacks ").Append(missing.Count).Append(" of ")
                  .Append(CurveNames.Length).Append(" curves (they will not show): ").Append(string.Join(", ", missing.ToArray())).Append('.');
            }
            if (MissingRemapTargets.Length > 0)
            {
                if (sb.Length > 0) sb.Append(' ');
                sb.Append("Remap rows name blend shapes the mesh does not have: ").Append(string.Join(", ", MissingRemapTargets)).Append('.');
            }
            return sb.ToString();
        }
    }
}
