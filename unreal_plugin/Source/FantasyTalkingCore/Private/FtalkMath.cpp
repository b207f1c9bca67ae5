// Copyright FantasyTalking contributors. Apache-2.0.

#include "FtalkMath.h"

#include <cmath>

namespace FantasyTalking
{
	namespace
	{
		constexpr double Pi = 3.14159265358979323846;
	}

	FQuatd Multiply(const FQuatd& A, const FQuatd& B)
	{
		FQuatd Out;
		Out.W = A.W * B.W - A.X * B.X - A.Y * B.Y - A.Z * B.Z;
		Out.X = A.W * B.X + A.X * B.W + A.Y * B.Z - A.Z * B.Y;
		Out.Y = A.W * B.Y - A.X * B.Z + A.Y * B.W + A.Z * B.X;
		Out.Z = A.W * B.Z + A.X * B.Y - A.Y * B.X + A.Z * B.W;
		return Out;
	}

	FQuatd Inverse(const FQuatd& Q)
	{
		const double NormSquared = Q.X * Q.X + Q.Y * Q.Y + Q.Z * Q.Z + Q.W * Q.W;
		if (NormSquared <= 0.0)
		{
			return FQuatd();
		}
		return FQuatd{-Q.X / NormSquared, -Q.Y / NormSquared, -Q.Z / NormSquared, Q.W / NormSquared};
	}

	FQuatd Normalize(const FQuatd& Q)
	{
		const double Norm = std::sqrt(Q.X * Q.X + Q.Y * Q.Y + Q.Z * Q.Z + Q.W * Q.W);
		if (!(Norm > 1e-12) || !std::isfinite(Norm))
		{
			return FQuatd();
		}
		return FQuatd{Q.X / Norm, Q.Y / Norm, Q.Z / Norm, Q.W / Norm};
	}

	double Dot(const FQuatd& A, const FQuatd& B)
	{
		return A.X * B.X + A.Y * B.Y + A.Z * B.Z + A.W * B.W;
	}

	FVec3d Rotate(const FQuatd& Q, const FVec3d& V)
	{
		const FQuatd P{V.X, V.Y, V.Z, 0.0};
		const FQuatd R = Multiply(Multiply(Q, P), Inverse(Q));
		return FVec3d{R.X, R.Y, R.Z};
	}

	FQuatd FromAxisAngle(const FVec3d& UnitAxis, double Radians)
	{
		const double S = std::sin(Radians * 0.5);
		return FQuatd{UnitAxis.X * S, UnitAxis.Y * S, UnitAxis.Z * S, std::cos(Radians * 0.5)};
	}

	FQuatd Slerp(const FQuatd& A, const FQuatd& B, double Alpha)
	{
		FQuatd To = B;
		double CosTheta = Dot(A, B);
		if (CosTheta < 0.0)
		{
			To = FQuatd{-B.X, -B.Y, -B.Z, -B.W};
			CosTheta = -CosTheta;
		}
		double WeightA = 1.0 - Alpha;
		double WeightB = Alpha;
		if (CosTheta < 0.9995)
		{
			const double Theta = std::acos(CosTheta);
			const double SinTheta = std::sin(Theta);
			WeightA = std::sin((1.0 - Alpha) * Theta) / SinTheta;
			WeightB = std::sin(Alpha * Theta) / SinTheta;
		}
		return Normalize(FQuatd{
			WeightA * A.X + WeightB * To.X,
			WeightA * A.Y + WeightB * To.Y,
			WeightA * A.Z + WeightB * To.Z,
			WeightA * A.W + WeightB * To.W,
		});
	}

	FAxisConversion::FAxisConversion(EFacing InFacing)
		: Facing(InFacing)
	{
		FVec3d Forward;
		switch (Facing)
		{
		case EFacing::PlusY:
			Forward = FVec3d{0.0, 1.0, 0.0};
			break;
		case EFacing::MinusY:
			Forward = FVec3d{0.0, -1.0, 0.0};
			break;
		case EFacing::PlusX:
			Forward = FVec3d{1.0, 0.0, 0.0};
			break;
		case EFacing::MinusX:
			Forward = FVec3d{-1.0, 0.0, 0.0};
			break;
		}
		const FVec3d Up{0.0, 0.0, 1.0};
		// Left = Forward x Up: with Forward +X this is -Y, Unreal's left of a +X-facing actor.
		const FVec3d Left{
			Forward.Y * Up.Z - Forward.Z * Up.Y,
			Forward.Z * Up.X - Forward.X * Up.Z,
			Forward.X * Up.Y - Forward.Y * Up.X,
		};
		const FVec3d Columns[3] = {Left, Up, Forward};
		for (int Column = 0; Column < 3; ++Column)
		{
			M[0][Column] = Columns[Column].X;
			M[1][Column] = Columns[Column].Y;
			M[2][Column] = Columns[Column].Z;
		}
		Determinant = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1])
			- M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0])
			+ M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
	}

	FVec3d FAxisConversion::ToUnreal(const FVec3d& V) const
	{
		return FVec3d{
			M[0][0] * V.X + M[0][1] * V.Y + M[0][2] * V.Z,
			M[1][0] * V.X + M[1][1] * V.Y + M[1][2] * V.Z,
			M[2][0] * V.X + M[2][1] * V.Y + M[2][2] * V.Z,
		};
	}

	FQuatd FAxisConversion::ToUnreal(const FQuatd& Q) const
	{
		const FVec3d Axis = ToUnreal(FVec3d{Q.X, Q.Y, Q.Z});
		return FQuatd{Determinant * Axis.X, Determinant * Axis.Y, Determinant * Axis.Z, Q.W};
	}

	FQuatd ApplyJointDelta(const FQuatd& ParentComponentRotation, const FQuatd& LocalRotation, const FQuatd& Delta)
	{
		const FQuatd InParent = Multiply(Multiply(Inverse(ParentComponentRotation), Delta), ParentComponentRotation);
		return Normalize(Multiply(InParent, LocalRotation));
	}

	float RadiansToLiveLinkAngle(float Radians)
	{
		return static_cast<float>(static_cast<double>(Radians) / Pi);
	}
}
