// A remap table as an asset, shared by every character with the same rig.
using UnityEngine;

namespace FantasyTalking
{
    [CreateAssetMenu(menuName = "FantasyTalking/Curve Remap", fileName = "CurveRemap")]
    public sealed class CurveRemapAsset : ScriptableObject
    {
        [SerializeField] CurveRemapTable table = new CurveRemapTable();

        public CurveRemapTable Table { get { return table; } }

        /// <summary>Replaces the rows with those of a CSV text ("curve,blendShape,multiplier,offset").</summary>
        public void ImportCsv(string csv)
        {
            table = CurveRemapTable.ParseCsv(csv);
        }
    }
}
